import pino from 'pino'

export type Logger = pino.Logger
export type LogLevel = pino.LevelWithSilent
export type LogFormat = 'json' | 'text'

export const LOG_LEVELS: readonly LogLevel[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
]

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel
  /** `json` (default): one pino JSON object a line. `text`: the message alone, for people. */
  format?: LogFormat
  /** A stream, or a function handed each line without its newline; default stderr. */
  destination?: pino.DestinationStream | ((line: string) => void)
  /** Text format: put before every line (`warden proxy: `). */
  prefix?: string
  /** JSON format: the `name` field. */
  name?: string
}

/** Field names whose values are credentials: censored at any of the first three levels. */
export const REDACTED_FIELDS = [
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'cookie',
  'set-cookie',
  'totp',
  'code',
  'secret',
  'token',
  'key',
  'password',
  'api_key',
  'access_token',
  'refresh_token',
  'client_secret',
  'encrypted_secret',
] as const

export const CENSOR = '[REDACTED]'

/**
 * A pino logger whose output cannot carry a credential field: the fields above are censored
 * wherever they sit in the first three levels of a log object, and request and header objects
 * are logged by header name only, never value. Messages are fixed text plus non-secret values.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? 'json'
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.name !== undefined ? { name: options.name } : {}),
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: CENSOR },
      serializers: {
        err: errorSummary,
        headers: headerNames,
        req: requestSummary,
        res: (response: { statusCode?: number; status?: number }) => ({
          status: response.statusCode ?? response.status,
        }),
      },
    },
    destinationFor(format, options),
  )
}

function redactPaths(): string[] {
  return REDACTED_FIELDS.flatMap((field) => {
    const key = /^[A-Za-z_]\w*$/.test(field) ? field : `["${field}"]`
    const member = key.startsWith('[') ? key : `.${key}`
    return [key, `*${member}`, `*.*${member}`]
  })
}

/** Header names, sorted: enough to see what a request carried, nothing a credential is in. */
export function headerNames(headers: unknown): string[] {
  if (headers === null || typeof headers !== 'object') return []
  if (typeof (headers as Headers).keys === 'function' && !Array.isArray(headers)) {
    return [...new Set((headers as Headers).keys())].sort()
  }
  return Object.keys(headers)
    .map((name) => name.toLowerCase())
    .sort()
}

/** An error's class, message and stable code (as `error_code`: a `code` field is censored). */
function errorSummary(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) }
  const code = (error as { code?: unknown }).code
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { error_code: code } : {}),
  }
}

interface RequestLike {
  method?: string
  url?: string
  headers?: unknown
}

/** Method, path without its query (queries can carry tokens) and header names. */
function requestSummary(request: RequestLike): Record<string, unknown> {
  const path = typeof request.url === 'string' ? pathOf(request.url) : undefined
  return {
    method: request.method,
    ...(path !== undefined ? { path } : {}),
    headers: headerNames(request.headers),
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname
  } catch {
    return ''
  }
}

function destinationFor(format: LogFormat, options: LoggerOptions): pino.DestinationStream {
  const target = options.destination
  const prefix = options.prefix ?? ''
  const render = format === 'text' ? (json: string) => `${prefix}${messageOf(json)}` : undefined
  if (typeof target === 'function') {
    return { write: (line) => target(render ? render(line) : line.replace(/\n$/, '')) }
  }
  if (!render) return target ?? pino.destination({ dest: 2, sync: true })
  const stream = target ?? process.stderr
  return { write: (line) => void stream.write(`${render(line)}\n`) }
}

function messageOf(json: string): string {
  try {
    const entry = JSON.parse(json) as { msg?: unknown; err?: { message?: unknown } }
    const message = typeof entry.msg === 'string' ? entry.msg : ''
    return message !== '' || typeof entry.err?.message !== 'string' ? message : entry.err.message
  } catch {
    return json.replace(/\n$/, '')
  }
}
