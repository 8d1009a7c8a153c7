import { WardenError } from '../errors.js'

/** What a secret is read from: process.stdin, or a stream in tests. */
export type SecretInput = NodeJS.ReadableStream & {
  isTTY?: boolean
  setRawMode?: (mode: boolean) => unknown
}

const MAX_BYTES = 64 * 1024

/**
 * The secret from stdin, never from argv (argv shows in `ps` and shell history). Piped:
 * everything up to EOF, less one trailing newline. A terminal: one line typed without echo.
 */
export async function readSecret(
  input: SecretInput,
  prompt: (text: string) => void,
): Promise<string> {
  const text =
    input.isTTY && input.setRawMode ? await readHidden(input, prompt) : await readAll(input)
  const secret = text.replace(/\r?\n$/, '')
  if (secret === '') {
    throw new WardenError(
      'ERR_CONFIG_INVALID',
      'secret: nothing on stdin (pipe it in: printf %s "$TOKEN" | warden vault add …)',
    )
  }
  return secret
}

async function readAll(input: SecretInput): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of input) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += bytes.length
    if (size > MAX_BYTES)
      throw new WardenError('ERR_CONFIG_INVALID', 'secret: more than 64 KiB on stdin')
    chunks.push(bytes)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function readHidden(input: SecretInput, prompt: (text: string) => void): Promise<string> {
  prompt('Secret (not shown), then Enter: ')
  input.setRawMode!(true)
  input.resume()
  let typed = ''
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      input.setRawMode!(false)
      input.pause()
      input.removeListener('data', onData)
      prompt('\n')
      if (error) reject(error)
      else resolve(typed)
    }
    const onData = (chunk: Buffer | string) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return done()
        if (char === '\u0003' || char === '\u0004') {
          return done(new WardenError('ERR_CONFIG_INVALID', 'secret: cancelled'))
        }
        typed = char === '\u007f' || char === '\b' ? typed.slice(0, -1) : typed + char
      }
    }
    input.on('data', onData)
  })
}
