import { resolve } from 'node:path'
import { WardenError } from '../../errors.js'

/** The flags of `warden proxy` that stand for warden.yaml keys. */
export interface ProxyFlags {
  policies?: string[]
  upstream?: string
  upstreamUrl?: string
  upstreamTransport?: string
  upstreamHeader?: string[]
  listen?: string
  as?: string
  keysFile?: string
  auditFile?: string
  allowAnonymous?: boolean
  exposeRuleNames?: boolean
  maxBodyBytes?: number
  allowMethod?: string[]
}

/** The warden.yaml keys the flags set; they replace the file's keys (`listen` is merged). */
export function flagOverrides(flags: ProxyFlags, cwd = process.cwd()): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (flags.policies?.length) out.policies = flags.policies.map((path) => resolve(cwd, path))
  if (flags.upstream !== undefined && flags.upstreamUrl !== undefined) {
    throw new WardenError('ERR_CONFIG_INVALID', 'give --upstream or --upstream-url, not both')
  }
  if (flags.upstream !== undefined) {
    const [command, ...args] = splitCommand(flags.upstream)
    if (command === undefined) throw new WardenError('ERR_CONFIG_INVALID', '--upstream is empty')
    out.upstreams = { [upstreamName(command)]: { command, args } }
  }
  if (flags.upstreamUrl !== undefined) {
    const headers = Object.fromEntries((flags.upstreamHeader ?? []).map(parseHeader))
    out.upstreams = {
      [upstreamName(new URL(flags.upstreamUrl).hostname)]: {
        url: flags.upstreamUrl,
        ...(flags.upstreamTransport !== undefined ? { transport: flags.upstreamTransport } : {}),
        headers,
      },
    }
  }
  const listen: Record<string, unknown> = {}
  if (flags.listen !== undefined) Object.assign(listen, parseListen(flags.listen))
  if (flags.maxBodyBytes !== undefined) listen.max_body_bytes = flags.maxBodyBytes
  if (Object.keys(listen).length > 0) out.listen = listen
  if (flags.as !== undefined) out.principal = flags.as
  if (flags.keysFile !== undefined) {
    out.identity = [{ type: 'api_key', keys_file: resolve(cwd, flags.keysFile) }]
  }
  if (flags.auditFile !== undefined) out.audit = { file: resolve(cwd, flags.auditFile) }
  if (flags.allowAnonymous) out.allow_anonymous = true
  if (flags.exposeRuleNames) out.expose_rule_names = true
  if (flags.allowMethod?.length) out.allow_methods = flags.allowMethod
  return out
}

/** `stdio`, or `http://127.0.0.1:8787/mcp` (no TLS: put a TLS terminator in front). */
export function parseListen(text: string): Record<string, unknown> {
  if (text === 'stdio') return { transport: 'stdio' }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new WardenError('ERR_CONFIG_INVALID', `--listen: expected stdio or http://host:port/path`)
  }
  if (url.protocol !== 'http:') {
    throw new WardenError('ERR_CONFIG_INVALID', '--listen: only http:// (terminate TLS in front)')
  }
  return {
    transport: 'http',
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 80 : Number(url.port),
    path: url.pathname,
  }
}

/** `cmd "an arg" 'another'`: words split on spaces, quotes group, no shell expansion. */
export function splitCommand(text: string): string[] {
  const words: string[] = []
  let word: string | undefined
  let quote: string | undefined
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined
      else word += char
    } else if (char === '"' || char === "'") {
      quote = char
      word ??= ''
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else {
      word = (word ?? '') + char
    }
  }
  if (quote) throw new WardenError('ERR_CONFIG_INVALID', '--upstream: unclosed quote')
  if (word !== undefined) words.push(word)
  return words
}

function upstreamName(source: string): string {
  const base = source.split(/[\\/]/).pop() ?? ''
  const name = base.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '-')
  return /^[A-Za-z]/.test(name) ? name : `upstream-${name}`.replace(/-+$/, '')
}

function parseHeader(text: string): [string, string] {
  const at = text.indexOf(':')
  if (at <= 0)
    throw new WardenError('ERR_CONFIG_INVALID', '--upstream-header: expected "Name: value"')
  return [text.slice(0, at).trim(), text.slice(at + 1).trim()]
}
