import type { IncomingMessage } from 'node:http'
import type { AuthContext } from '../identity/auth-context.js'
import type { Logger } from './logger.js'
import { withIncomingTrace } from './trace-propagation.js'
import { inSpan, SPAN } from './tracing.js'

/** The identify step as a span in the caller's trace; the request is logged by header name only. */
export function tracedIdentify(
  request: IncomingMessage,
  identify: () => Promise<AuthContext>,
  logger: Logger,
): Promise<AuthContext> {
  return withIncomingTrace(request.headers, undefined, (parent) =>
    inSpan(SPAN.identify, { parent }, async (span) => {
      const principal = await identify()
      span.setAttribute('mcp_warden.identity.method', principal.method ?? 'none')
      logger.debug({ req: request, identity_method: principal.method }, 'caller identified')
      return principal
    }),
  )
}
