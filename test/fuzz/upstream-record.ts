import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** The recording upstream (test/fixtures/faults), run by this Node, appending to `recordFile`. */
export function recordingUpstream(recordFile: string) {
  const file = fileURLToPath(new URL('../fixtures/faults/recording-upstream.mjs', import.meta.url))
  return { command: process.execPath, args: [file], env: { RECORD_FILE: recordFile } }
}

/** Every message the recording upstreams received so far. */
export async function receivedByUpstream(recordFile: string): Promise<Record<string, unknown>[]> {
  let text: string
  try {
    text = await readFile(recordFile, 'utf8')
  } catch {
    return []
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}
