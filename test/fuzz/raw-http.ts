import { request } from 'node:http'

export interface RawRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The JSON-RPC messages of the body (one JSON body, or the `data:` lines of an event stream). */
  messages: Record<string, unknown>[]
  /** The body did not end within the wait, or is the event stream a GET opens. */
  open: boolean
}

/**
 * Sends exactly these bytes to 127.0.0.1:`port` (no fetch rules on Host or methods) and reads
 * the answer for at most `waitMs`. Rejects only when no status line comes back at all.
 */
export function sendRaw(port: number, raw: RawRequest, waitMs = 5_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // A body is always framed by its length, whatever the method (OPTIONS, DELETE, …).
    const headers =
      raw.body === undefined
        ? raw.headers
        : { ...raw.headers, 'content-length': String(Buffer.byteLength(raw.body)) }
    const outgoing = request(
      { host: '127.0.0.1', port, method: raw.method, path: raw.path, headers },
      (response) => {
        let body = ''
        const finish = (open: boolean) => {
          clearTimeout(timer)
          response.destroy()
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            messages: parseMessages(body),
            open,
          })
        }
        const timer = setTimeout(() => finish(true), waitMs)
        // A GET opens the session's event stream, which stays open by design: its status will do.
        if (
          raw.method === 'GET' &&
          `${response.headers['content-type']}`.startsWith('text/event-stream')
        ) {
          return finish(true)
        }
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => finish(false))
        response.on('error', () => finish(false))
      },
    )
    const noAnswer = setTimeout(() => {
      outgoing.destroy(new Error(`no status line within ${waitMs} ms`))
    }, waitMs)
    outgoing.on('response', () => clearTimeout(noAnswer))
    outgoing.on('error', (error) => {
      clearTimeout(noAnswer)
      reject(error)
    })
    outgoing.end(raw.body)
  })
}

/** The JSON-RPC messages of a Streamable HTTP body: one JSON object, or an event stream's `data:` lines. */
export function parseMessages(body: string): Record<string, unknown>[] {
  const texts = body.startsWith('{')
    ? [body]
    : body
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
  return texts.flatMap((text) => {
    try {
      return [JSON.parse(text) as Record<string, unknown>]
    } catch {
      return []
    }
  })
}
