import { WardenError } from '../errors.js'
import { LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js'

/** `--admin 127.0.0.1:9464`, `--admin [::1]:9464` or `--admin :9464` (host 127.0.0.1). */
export function parseAdminAddress(text: string): { host: string; port: number } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:\s[\]]*):(\d{1,5})$/.exec(text.trim())
  const port = Number(match?.[2])
  if (!match || port > 65_535) {
    throw new WardenError('ERR_CONFIG_INVALID', `--admin: expected host:port, not ${text}`)
  }
  return { host: match[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1', port }
}

export function parseLogLevel(text: string): LogLevel {
  const level = text.trim().toLowerCase()
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new WardenError(
      'ERR_CONFIG_INVALID',
      `--log-level: expected one of ${LOG_LEVELS.join(', ')}, not ${text}`,
    )
  }
  return level as LogLevel
}

export function parseLogFormat(text: string): LogFormat {
  if (text !== 'json' && text !== 'text') {
    throw new WardenError('ERR_CONFIG_INVALID', `--log-format: expected json or text, not ${text}`)
  }
  return text
}
