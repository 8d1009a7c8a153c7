import type { CallToolResult, JSONRPCRequest, Result } from '@modelcontextprotocol/sdk/types.js'
import { WardenError } from '../errors.js'
import { denialError, denialMessage } from '../gate/denial.js'
import type { Gate, GateMeta, ListTarget, Verdict } from '../gate/gate.js'
import type { PolicyRequest, Principal, ToolRef } from '../policy/request.js'
import type { Escalator } from '../gate/escalation.js'
import { escalatedCall } from './escalated-call.js'
import { forward, type FrontExtra } from './forward.js'
import { toolRef } from './tool-catalog.js'
import type { UpstreamSession } from './upstream-session.js'
import { DECISION_META_KEY, PRINCIPAL_META_KEY } from './warden-meta.js'
import { WireError } from './wire-error.js'

/** Everything one request's route needs. */
export interface RouteContext {
  gate: Gate
  upstream: UpstreamSession
  principal: Principal
  request: JSONRPCRequest
  extra: FrontExtra
  timeoutMs: number
  /** Put the decision and principal in forwarded `_meta` (the middleware does; the wrapped server is ours). */
  forwardIdentity: boolean
  /** The namespace of a tool name, for `tool.namespace` (the proxy with several upstreams). */
  toolNamespace?: (name: string) => string | undefined
  /** Sends escalated calls for approval; without one, an escalated call is refused. */
  escalator?: Escalator
  /** The server name approvers see when a tool has no namespace. */
  serverName?: string
}

type Route = (ctx: RouteContext) => Promise<Result>

interface ListSpec {
  key: string
  target: (item: Record<string, unknown>) => ListTarget | undefined
}

/** How each list's items are named for the `list` decision. */
const LISTS: Record<string, ListSpec> = {
  'tools/list': {
    key: 'tools',
    target: (item) =>
      typeof item.name === 'string' ? { tool: toolRef({ ...item, name: item.name }) } : undefined,
  },
  'resources/list': {
    key: 'resources',
    target: (item) =>
      typeof item.uri === 'string' ? { resource: resourceRef(item.uri, item) } : undefined,
  },
  'resources/templates/list': {
    key: 'resourceTemplates',
    target: (item) =>
      typeof item.uriTemplate === 'string'
        ? { resource: resourceRef(item.uriTemplate, item) }
        : undefined,
  },
  'prompts/list': {
    key: 'prompts',
    target: (item) =>
      typeof item.name === 'string' ? { prompt: promptRef(item.name, item) } : undefined,
  },
}

/** Methods relayed without a decision: they reveal or change nothing a policy guards. */
const TRANSPARENT = ['logging/setLevel', 'resources/unsubscribe']

export const ROUTES: Record<string, Route> = {
  ...Object.fromEntries(Object.keys(LISTS).map((method) => [method, listRoute])),
  'tools/call': callTool,
  'resources/read': (ctx) => readResource(ctx),
  'resources/subscribe': (ctx) => readResource(ctx),
  'prompts/get': getPrompt,
  'completion/complete': complete,
  ...Object.fromEntries(TRANSPARENT.map((method) => [method, relay])),
}

/** Forwards the request as is, with the warden `_meta` when there is a verdict. */
export function relay(ctx: RouteContext, verdict?: Verdict): Promise<Result> {
  return forward(ctx.upstream.client, ctx.request, ctx.extra, {
    timeoutMs: ctx.timeoutMs,
    ...(ctx.forwardIdentity ? { meta: identityMeta(ctx.principal, verdict) } : {}),
  })
}

async function listRoute(ctx: RouteContext): Promise<Result> {
  const spec = LISTS[ctx.request.method]!
  const result = await relay(ctx)
  const items = Array.isArray(result[spec.key]) ? (result[spec.key] as unknown[]) : []
  const described = items.flatMap((item) => {
    const target = isRecord(item) ? spec.target(item) : undefined
    if (target?.tool) target.tool = withNamespace(ctx, target.tool)
    return target ? [{ item, target }] : []
  })
  if (ctx.request.method === 'tools/list' && !ctx.request.params?.cursor && !result.nextCursor) {
    ctx.upstream.catalog.remember(described.map((d) => d.item) as never)
  }
  const visible = await ctx.gate.filterList(ctx.principal, described, (d) => d.target, meta(ctx))
  return { ...result, [spec.key]: visible.map((d) => d.item) }
}

async function callTool(ctx: RouteContext): Promise<Result> {
  const { name, args } = namedParams(ctx.request, 'name')
  const tool = withNamespace(ctx, await ctx.upstream.catalog.describe(name, args))
  const verdict = await decide(ctx, { action: 'call', user: ctx.principal, tool })
  if (verdict.decision.effect === 'allow') return relay(ctx, verdict)
  if (verdict.decision.effect === 'escalate' && ctx.escalator) {
    const server = tool.namespace ?? ctx.serverName ?? 'mcp'
    return escalatedCall(ctx, verdict, name, args, server, () =>
      identityMeta(ctx.principal, verdict),
    )
  }
  const denied: CallToolResult = {
    content: [
      { type: 'text', text: denialMessage(verdict, `calling ${name}`, ctx.gate.exposeRuleNames) },
    ],
    isError: true,
  }
  return denied
}

async function readResource(ctx: RouteContext): Promise<Result> {
  const { name: uri } = namedParams(ctx.request, 'uri')
  const verdict = await decide(ctx, { action: 'read', user: ctx.principal, resource: { uri } })
  if (verdict.decision.effect === 'allow') return relay(ctx, verdict)
  throw denialError(verdict, `reading ${uri}`, ctx.gate.exposeRuleNames)
}

async function getPrompt(ctx: RouteContext): Promise<Result> {
  const { name, args } = namedParams(ctx.request, 'name')
  const verdict = await decide(ctx, {
    action: 'get',
    user: ctx.principal,
    prompt: { name, args },
  })
  if (verdict.decision.effect === 'allow') return relay(ctx, verdict)
  throw denialError(verdict, `getting prompt ${name}`, ctx.gate.exposeRuleNames)
}

/** Completions reveal a prompt's or resource's argument values: only for what the caller may list. */
async function complete(ctx: RouteContext): Promise<Result> {
  const ref = ctx.request.params?.ref
  const target: ListTarget | undefined = !isRecord(ref)
    ? undefined
    : ref.type === 'ref/prompt' && typeof ref.name === 'string'
      ? { prompt: { name: ref.name } }
      : ref.type === 'ref/resource' && typeof ref.uri === 'string'
        ? { resource: { uri: ref.uri } }
        : undefined
  if (!target)
    throw new WireError(-32602, 'completion/complete: params.ref must name a prompt or resource')
  const verdict = await decide(ctx, { action: 'list', user: ctx.principal, ...target })
  if (verdict.decision.effect === 'allow') return relay(ctx, verdict)
  const subject = target.prompt
    ? `completing prompt ${target.prompt.name}`
    : `completing ${target.resource!.uri}`
  throw denialError(verdict, subject, ctx.gate.exposeRuleNames)
}

function withNamespace(ctx: RouteContext, tool: ToolRef): ToolRef {
  const namespace = ctx.toolNamespace?.(tool.name)
  return namespace === undefined ? tool : { ...tool, namespace }
}

function decide(ctx: RouteContext, request: PolicyRequest): Promise<Verdict> {
  return ctx.gate.authorize(ctx.principal, request, meta(ctx))
}

function meta(ctx: RouteContext): GateMeta {
  return {
    method: ctx.request.method,
    ...(ctx.extra.sessionId !== undefined ? { sessionId: ctx.extra.sessionId } : {}),
  }
}

/** The capability a request names, and its arguments; malformed params are refused, not guessed. */
function namedParams(
  request: JSONRPCRequest,
  key: 'name' | 'uri',
): { name: string; args: Record<string, unknown> } {
  const params = request.params ?? {}
  const name = params[key]
  const args = params.arguments ?? {}
  if (typeof name !== 'string' || !isRecord(args)) {
    throw new WireError(-32602, `${request.method}: params.${key} must be a string`)
  }
  return { name, args }
}

function identityMeta(principal: Principal, verdict?: Verdict): Record<string, unknown> {
  return {
    [PRINCIPAL_META_KEY]: structuredClone(principal),
    ...(verdict
      ? {
          [DECISION_META_KEY]: {
            effect: verdict.decision.effect,
            rule: verdict.decision.rule,
            policy: verdict.decision.policy,
            decision_id: verdict.decisionId,
          },
        }
      : {}),
  }
}

function resourceRef(uri: string, item: Record<string, unknown>): ListTarget['resource'] {
  return { uri, ...(typeof item.name === 'string' ? { name: item.name } : {}) }
}

function promptRef(name: string, item: Record<string, unknown>): ListTarget['prompt'] {
  const tags = isRecord(item._meta) ? item._meta.tags : undefined
  const valid = Array.isArray(tags) && tags.every((t) => typeof t === 'string')
  return { name, ...(valid ? { tags: tags as string[] } : {}) }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A method the bridge does not know: refused unless the operator allowed it. */
export function unknownMethod(method: string): WardenError {
  return new WardenError('ERR_METHOD_NOT_ALLOWED', `mcp-warden does not relay ${method}`)
}
