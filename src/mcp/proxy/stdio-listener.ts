import { StringDecoder } from 'node:string_decoder'
import { PassThrough, type Readable, type Writable } from 'node:stream'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { toMcpError, WardenError, type WardenErrorCode } from '../../errors.js'
import type { Bridge, BridgeSession } from '../bridge.js'

export interface StdioListenerOptions {
  bridge: Bridge
  stdin?: Readable
  stdout?: Writable
  /** Longest accepted line; a longer one is refused and dropped. */
  maxLineBytes: number
}

/**
 * One downstream session over stdio. Lines that are batches or not JSON are answered with a
 * JSON-RPC error here (the SDK's reader would drop them silently) and never reach the bridge.
 * The session ends when stdin does.
 */
export async function serveStdio(options: StdioListenerOptions): Promise<BridgeSession> {
  const stdin = options.stdin ?? process.stdin
  const stdout = options.stdout ?? process.stdout
  const checked = new PassThrough()
  const decoder = new StringDecoder('utf8')
  let pending = ''
  let overlong = false

  const answer = (code: WardenErrorCode, message: string, rpcCode?: number): void => {
    const wire = toMcpError(new WardenError(code, message))
    const error = { code: rpcCode ?? wire.code, message, data: wire.data }
    stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error })}\n`)
  }
  const check = (line: string): void => {
    if (line.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      return answer('ERR_MESSAGE_INVALID', 'the line is not JSON', -32700)
    }
    if (Array.isArray(value)) return answer('ERR_BATCH_NOT_SUPPORTED', 'batches are not supported')
    checked.write(`${line}\n`)
  }

  stdin.on('data', (chunk: Buffer | string) => {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk)
    let newline: number
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline).replace(/\r$/, '')
      pending = pending.slice(newline + 1)
      if (overlong) overlong = false
      else check(line)
    }
    if (Buffer.byteLength(pending) > options.maxLineBytes) {
      if (!overlong) answer('ERR_BODY_TOO_LARGE', 'the message is too large', -32600)
      overlong = true
      pending = ''
    }
  })
  const session = await options.bridge.connect(new StdioServerTransport(checked, stdout))
  stdin.once('end', () => void session.close())
  return session
}
