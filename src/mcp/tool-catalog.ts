import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { ListToolsResultSchema, type Tool } from '@modelcontextprotocol/sdk/types.js'
import { WardenError } from '../errors.js'
import type { ToolRef } from '../policy/request.js'

const MAX_PAGES = 1000

/**
 * The upstream's own description of its tools, so policies judge annotations the server states
 * and never ones a client claims. Filled on demand, dropped on notifications/tools/list_changed.
 */
export class ToolCatalog {
  readonly #client: Client
  #tools: Map<string, Tool> | undefined
  #loading: Promise<Map<string, Tool>> | undefined
  #generation = 0

  constructor(client: Client) {
    this.#client = client
  }

  /** The tool as the policy sees it; annotations and tags only from the upstream. */
  async describe(name: string, args?: Record<string, unknown>): Promise<ToolRef> {
    const tool = (await this.#load()).get(name)
    return { ...toolRef(tool ?? { name }), args: args ?? {} }
  }

  /** A complete tools/list the client asked for doubles as a fresh catalog. */
  remember(tools: readonly Tool[]): void {
    this.#tools = new Map(tools.map((tool) => [tool.name, tool]))
  }

  invalidate(): void {
    this.#generation++
    this.#tools = undefined
    this.#loading = undefined
  }

  async #load(): Promise<Map<string, Tool>> {
    if (this.#tools) return this.#tools
    if (!this.#loading) {
      const generation = this.#generation
      this.#loading = this.#fetchAll().then(
        (tools) => {
          if (generation === this.#generation) this.#tools = tools
          this.#loading = undefined
          return tools
        },
        (error: unknown) => {
          this.#loading = undefined
          throw error
        },
      )
    }
    return this.#loading
  }

  async #fetchAll(): Promise<Map<string, Tool>> {
    const tools = new Map<string, Tool>()
    let cursor: string | undefined
    let pages = 0
    do {
      // A server that never stops paging must not hold a call forever.
      if (++pages > MAX_PAGES)
        throw new WardenError('ERR_UPSTREAM_UNAVAILABLE', 'tools/list never ends')
      const page = await this.#client.request(
        { method: 'tools/list', params: cursor ? { cursor } : {} },
        ListToolsResultSchema,
      )
      for (const tool of page.tools) tools.set(tool.name, tool)
      cursor = page.nextCursor
    } while (cursor)
    return tools
  }
}

/** A tool as listed, for the policy: name, the server's annotations, tags from `_meta.tags`. */
export function toolRef(tool: { name: string; annotations?: unknown; _meta?: unknown }): ToolRef {
  const annotations = isRecord(tool.annotations) ? { ...tool.annotations } : undefined
  const tags = isRecord(tool._meta) ? tool._meta['tags'] : undefined
  return {
    name: tool.name,
    ...(annotations ? { annotations } : {}),
    ...(Array.isArray(tags) && tags.every((t) => typeof t === 'string') ? { tags } : {}),
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
