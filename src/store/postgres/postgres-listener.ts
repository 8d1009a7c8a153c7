import pg from 'pg'
import { storeUnavailable } from '../migrations/store-errors.js'
import { CHANGE_CHANNEL } from './postgres-context.js'

export interface ChangeListenerOptions {
  connectionString: string
  location: string
  /** This store instance's id: its own notifications were already announced locally. */
  instance: string
  onChange(id: string): void
}

export interface ChangeListener {
  close(): Promise<void>
}

const FIRST_RETRY_MS = 100
const LAST_RETRY_MS = 30_000

/**
 * LISTENs on the change channel over a dedicated connection (a pooled one would be handed to
 * other queries). If that connection drops, it reconnects with backoff until closed.
 * Rejects with ERR_STORE_UNAVAILABLE if the first connection fails.
 */
export async function startChangeListener(options: ChangeListenerOptions): Promise<ChangeListener> {
  let current: pg.Client | undefined
  let closed = false
  let retryMs = FIRST_RETRY_MS
  let timer: NodeJS.Timeout | undefined

  const onNotification = (message: pg.Notification): void => {
    if (message.channel !== CHANGE_CHANNEL || message.payload === undefined) return
    const separator = message.payload.indexOf(':')
    if (separator < 0) return
    if (message.payload.slice(0, separator) === options.instance) return
    options.onChange(message.payload.slice(separator + 1))
  }

  const lost = (client: pg.Client): void => {
    if (current !== client) return
    current = undefined
    client.end().catch(() => undefined)
    scheduleReconnect()
  }

  const connect = async (): Promise<void> => {
    const client = new pg.Client({
      connectionString: options.connectionString,
      application_name: 'warden-listener',
      connectionTimeoutMillis: 10_000,
    })
    client.on('notification', onNotification)
    client.on('error', () => lost(client))
    client.on('end', () => lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANGE_CHANNEL}`)
    } catch (error) {
      await client.end().catch(() => undefined)
      throw error
    }
    if (closed) {
      await client.end().catch(() => undefined)
      return
    }
    current = client
    retryMs = FIRST_RETRY_MS
  }

  const scheduleReconnect = (): void => {
    if (closed || timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      connect().catch(() => {
        retryMs = Math.min(retryMs * 2, LAST_RETRY_MS)
        scheduleReconnect()
      })
    }, retryMs)
    timer.unref()
  }

  try {
    await connect()
  } catch (error) {
    throw storeUnavailable(options.location, error)
  }

  return {
    async close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      const client = current
      current = undefined
      await client?.end().catch(() => undefined)
    },
  }
}
