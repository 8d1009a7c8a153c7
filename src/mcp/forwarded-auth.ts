import { AsyncLocalStorage } from 'node:async_hooks'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import type { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'

/** The caller's authInfo while one of its requests is being forwarded. */
const forwarding = new AsyncLocalStorage<AuthInfo | undefined>()

/** Runs `send` (a forwarded request) with `authInfo` attached for an in-process upstream. */
export function withForwardedAuth<T>(authInfo: AuthInfo | undefined, send: () => T): T {
  return forwarding.run(authInfo, send)
}

/**
 * Wraps the bridge's side of an in-process link so each forwarded request carries the caller's
 * authInfo, which the SDK hands to the wrapped server's handlers as `extra.authInfo`. Only the
 * middleware uses it: a proxy never passes a caller's credential to a third-party server.
 */
export function forwardingAuthInfo(inner: InMemoryTransport): Transport {
  const wrapper: Transport = {
    start: () => inner.start(),
    close: () => inner.close(),
    send(message: JSONRPCMessage, options?: TransportSendOptions) {
      const authInfo = forwarding.getStore()
      return inner.send(message, authInfo ? { ...options, authInfo } : options)
    },
  }
  inner.onmessage = (message, extra) => wrapper.onmessage?.(message, extra)
  inner.onclose = () => wrapper.onclose?.()
  inner.onerror = (error) => wrapper.onerror?.(error)
  return wrapper
}
