import type { PolicyInput } from '../../../src/index.js'
import { seededRandom } from './seeded-random.js'

export type Verdict = 'allow' | 'deny'

/** One request of the pool, engine-neutral; each engine converts it to its own input once. */
export interface WorkloadRequest {
  userId: string
  roles: readonly [string, string]
  tool: string
  force: boolean
  expected: Verdict
  /** The rule that decides, or null when the default effect does. */
  expectedRule: string | null
}

export interface Workload {
  ruleCount: number
  roleCount: number
  /** mcp-warden's policy, in the parsed-YAML shape `compilePolicies` takes. */
  policy: PolicyInput
  requests: readonly WorkloadRequest[]
}

export const POOL_SIZE = 1024
const SEED = 0x5eed_2024
const READ_SUFFIXES = ['list', 'get', 'search', 'export', 'x']

export const readRuleName = (role: number): string => `role${role}-read`
export const forceDeleteRuleName = (role: number): string => `role${role}-no-force-delete`
export const readPattern = (role: number): string => `svc${role}_read_*`
export const deleteTool = (role: number): string => `svc${role}_delete`

/**
 * The workload: N/2 roles; role i may call `svc{i}_read_*` and is denied
 * `svc{i}_delete` when `args.force` is true. Every request carries 2 distinct roles.
 */
export function decisionWorkload(ruleCount: number, poolSize = POOL_SIZE): Workload {
  if (ruleCount < 6 || ruleCount % 2 !== 0) throw new Error(`rule count must be even and ≥ 6`)
  const roleCount = ruleCount / 2
  const rules: PolicyInput['rules'] = []
  for (let i = 0; i < roleCount; i++) {
    rules.push({
      name: readRuleName(i),
      effect: 'allow',
      agents: { roles: [`role${i}`] },
      tools: { patterns: [readPattern(i)] },
      actions: ['call'],
    })
    rules.push({
      name: forceDeleteRuleName(i),
      effect: 'deny',
      agents: { roles: [`role${i}`] },
      tools: { names: [deleteTool(i)] },
      actions: ['call'],
      conditions: [{ field: 'tool.args.force', operator: 'equals', value: true }],
    })
  }
  const policy: PolicyInput = { name: 'bench', default_effect: 'deny', rules }
  return { ruleCount, roleCount, policy, requests: requestPool(roleCount, poolSize) }
}

function requestPool(roleCount: number, poolSize: number): WorkloadRequest[] {
  const random = seededRandom(SEED)
  const pick = (n: number): number => Math.floor(random() * n)
  const requests: WorkloadRequest[] = []
  for (let k = 0; k < poolSize; k++) {
    const first = pick(roleCount)
    let second = pick(roleCount - 1)
    if (second >= first) second++
    const own = random() < 0.5 ? first : second
    let foreign = pick(roleCount - 2)
    for (const held of [first, second].sort((a, b) => a - b)) if (foreign >= held) foreign++
    const readName = (role: number): string =>
      `svc${role}_read_${READ_SUFFIXES[pick(READ_SUFFIXES.length)]}`
    const base = { userId: `u${k}`, roles: [`role${first}`, `role${second}`] as const }
    const kind = random()
    if (kind < 0.4) {
      const force = random() < 0.2
      requests.push({
        ...base,
        tool: readName(own),
        force,
        expected: 'allow',
        expectedRule: readRuleName(own),
      })
    } else if (kind < 0.6) {
      requests.push({
        ...base,
        tool: deleteTool(own),
        force: true,
        expected: 'deny',
        expectedRule: forceDeleteRuleName(own),
      })
    } else if (kind < 0.8) {
      requests.push({
        ...base,
        tool: deleteTool(own),
        force: false,
        expected: 'deny',
        expectedRule: null,
      })
    } else {
      const tool = random() < 0.5 ? readName(foreign) : deleteTool(foreign)
      requests.push({ ...base, tool, force: random() < 0.5, expected: 'deny', expectedRule: null })
    }
  }
  return requests
}
