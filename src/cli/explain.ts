import type { Command } from 'commander'
import { formatSourceIssue, PolicyLoadError } from '../errors.js'
import { compilePolicies } from '../policy/compile.js'
import { loadPolicies } from '../policy/loader.js'
import type { PolicySet } from '../policy/policy-set.js'
import type { PolicyRequest, Principal, RequestMeta } from '../policy/request.js'
import { formatPath } from '../policy/source-issues.js'
import { LIST_KINDS, principalSchema, type ListKind } from '../policy/suite/suite-schema.js'
import {
  explanationText,
  listExplanationText,
  type ItemExplanation,
} from './reporters/explanation-text.js'
import { stdoutPainter } from './reporters/painter.js'

interface ExplainOptions {
  policies?: string[]
  identity?: string
  call?: string
  args?: string
  list?: string
  available?: string
  read?: string
  getPrompt?: string
  namespace?: string
  annotations?: string
  time?: string
  json?: boolean
}

/** A problem with the command line; reported as is, exit 2. */
class InvalidInput extends Error {}

export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('Show the decision for one request and how every rule judged it')
    .option('--policies <paths...>', 'policy files or directories (required)')
    .option(
      '--identity <json>',
      'the caller, e.g. \'{"user_id":"bob","roles":["user"]}\' (required)',
    )
    .option('--call <tool>', 'explain a call of this tool')
    .option('--args <json>', 'arguments of the call or prompt, a JSON object')
    .option('--list <kind>', 'explain a listing: tools, resources or prompts (with --available)')
    .option('--available <items>', 'comma-separated names (or URIs) the server offers')
    .option('--read <uri>', 'explain reading this resource')
    .option('--get-prompt <name>', 'explain getting this prompt')
    .option('--namespace <name>', "the tool's namespace (namespaced upstreams)")
    .option('--annotations <json>', "the tool's annotations, e.g. '{\"readOnlyHint\":true}'")
    .option('--time <iso>', 'the request time conditions see (default: now)')
    .option('--json', 'print the explanation as JSON')
    .addHelpText(
      'after',
      '\nExactly one of --call, --list, --read, --get-prompt. Exit status: 0 whatever the decision,\n' +
        '2 on invalid input (bad JSON, a missing option, a policy that does not load).',
    )
    .action(async (options: ExplainOptions) => {
      process.exitCode = await explainCommand(options)
    })
}

async function explainCommand(options: ExplainOptions): Promise<number> {
  let question: Question
  try {
    question = readQuestion(options)
  } catch (error) {
    if (!(error instanceof InvalidInput)) throw error
    process.stderr.write(`warden explain: ${error.message}\n`)
    return 2
  }
  let set: PolicySet
  try {
    set = compilePolicies(await loadPolicies(options.policies!))
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error
    for (const issue of error.issues) process.stderr.write(`${formatSourceIssue(issue)}\n`)
    return 2
  }
  if (question.kind === 'one') {
    const explanation = set.explain(question.request)
    process.stdout.write(
      options.json
        ? `${JSON.stringify(explanation, null, 2)}\n`
        : explanationText(explanation, stdoutPainter),
    )
    return 0
  }
  const items: ItemExplanation[] = question.items.map(({ item, request }) => {
    const explanation = set.explain(request)
    return { item, visible: explanation.effect === 'allow', ...explanation }
  })
  process.stdout.write(
    options.json
      ? `${JSON.stringify(items, null, 2)}\n`
      : listExplanationText(question.list, items, stdoutPainter),
  )
  return 0
}

type Question =
  | { kind: 'one'; request: PolicyRequest }
  | { kind: 'list'; list: ListKind; items: { item: string; request: PolicyRequest }[] }

function readQuestion(options: ExplainOptions): Question {
  if (!options.policies || options.policies.length === 0) {
    throw new InvalidInput('--policies is required')
  }
  if (options.identity === undefined) throw new InvalidInput('--identity is required')
  const user = readIdentity(options.identity)
  const modes = (['call', 'list', 'read', 'getPrompt'] as const).filter(
    (m) => options[m] !== undefined,
  )
  if (modes.length !== 1) {
    throw new InvalidInput('give exactly one of --call, --list, --read or --get-prompt')
  }
  const mode = modes[0]!
  const onlyWith = (flag: string, present: unknown, allowed: boolean, where: string) => {
    if (present !== undefined && !allowed) throw new InvalidInput(`${flag} only goes with ${where}`)
  }
  const toolish = mode === 'call' || (mode === 'list' && options.list === 'tools')
  onlyWith(
    '--args',
    options.args,
    mode === 'call' || mode === 'getPrompt',
    '--call or --get-prompt',
  )
  onlyWith('--available', options.available, mode === 'list', '--list')
  onlyWith('--namespace', options.namespace, toolish, '--call or --list tools')
  onlyWith('--annotations', options.annotations, toolish, '--call or --list tools')
  const args = options.args === undefined ? undefined : readObject('--args', options.args)
  const annotations =
    options.annotations === undefined ? undefined : readObject('--annotations', options.annotations)
  const meta: { request?: RequestMeta } = {}
  if (options.time !== undefined) {
    if (Number.isNaN(Date.parse(options.time))) {
      throw new InvalidInput('--time must be an ISO-8601 time such as 2025-01-31T09:00:00Z')
    }
    meta.request = { time: options.time }
  }
  const tool = (name: string) => ({
    name,
    ...(args !== undefined && { args }),
    ...(options.namespace !== undefined && { namespace: options.namespace }),
    ...(annotations !== undefined && { annotations }),
  })
  if (mode === 'call') {
    return { kind: 'one', request: { action: 'call', user, tool: tool(options.call!), ...meta } }
  }
  if (mode === 'read') {
    return {
      kind: 'one',
      request: { action: 'read', user, resource: { uri: options.read! }, ...meta },
    }
  }
  if (mode === 'getPrompt') {
    const prompt = { name: options.getPrompt!, ...(args !== undefined && { args }) }
    return { kind: 'one', request: { action: 'get', user, prompt, ...meta } }
  }
  const list = options.list as ListKind
  if (!LIST_KINDS.includes(list)) {
    throw new InvalidInput(`--list must be one of ${LIST_KINDS.join(', ')}`)
  }
  if (options.available === undefined) throw new InvalidInput('--list needs --available a,b,c')
  const available = options.available
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
  return {
    kind: 'list',
    list,
    items: available.map((item) => ({
      item,
      request: {
        action: 'list',
        user,
        ...(list === 'tools' && { tool: tool(item) }),
        ...(list === 'resources' && { resource: { uri: item } }),
        ...(list === 'prompts' && { prompt: { name: item } }),
        ...meta,
      },
    })),
  }
}

function readIdentity(text: string): Principal {
  const result = principalSchema.safeParse(readJson('--identity', text))
  if (result.success) return result.data
  const problems = result.error.issues.map((issue) => {
    const path = formatPath(issue.path)
    return issue.code === 'unrecognized_keys'
      ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${path ? ` in ${path}` : ''}`
      : `${path ? `${path}: ` : ''}${issue.message}`
  })
  throw new InvalidInput(`--identity is not a valid identity: ${problems.join('; ')}`)
}

function readObject(flag: string, text: string): Record<string, unknown> {
  const value = readJson(flag, text)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidInput(`${flag} must be a JSON object`)
  }
  return value as Record<string, unknown>
}

function readJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new InvalidInput(`${flag} is not valid JSON (${(error as Error).message})`)
  }
}
