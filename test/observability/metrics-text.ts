/** The value of the sample `name{labels…}` in Prometheus text, matching every given label. */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    )
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      return Number(match[3])
    }
  }
  return undefined
}

/** GET `path` on the admin listener: status and body text. */
export async function admin(url: string, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${path}`)
  return { status: response.status, text: await response.text() }
}
