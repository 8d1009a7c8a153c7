import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { ServerCapabilities } from '@modelcontextprotocol/sdk/types.js'

/**
 * Every capability the bridge may relay. The client is told the upstream's capabilities (the
 * initialize handler is replaced); these only keep the SDK's own checks from blocking a relay.
 */
const RELAY_CAPABILITIES: ServerCapabilities = {
  tools: { listChanged: true },
  resources: { listChanged: true, subscribe: true },
  prompts: { listChanged: true },
  logging: {},
  completions: {},
}

/**
 * The server facing the client. Its notification check reads client capabilities that only the
 * SDK's own initialize handler records; the upstream's SDK already checked what it sends, so the
 * relay does not check again.
 */
export class FrontServer extends Server {
  constructor() {
    super({ name: 'mcp-warden', version: '0' }, { capabilities: RELAY_CAPABILITIES })
    // logging/setLevel is the upstream's business: let it reach the relay.
    this.removeRequestHandler('logging/setLevel')
  }

  protected override assertNotificationCapability(): void {}

  protected override assertCapabilityForMethod(): void {}
}
