import { WardenError } from '../errors.js'
import { compilePolicies } from '../policy/compile.js'
import { loadPolicies } from '../policy/loader.js'
import { PolicySet } from '../policy/policy-set.js'
import type { Policy, PolicyInput } from '../policy/schema.js'
import { watchPolicies } from '../policy/watch.js'

/** Policy files or directories, a compiled set, or builder output. */
export type PoliciesOption =
  string | readonly string[] | PolicySet | readonly (Policy | PolicyInput)[]

export interface OpenPolicySourceOptions {
  /** Reload when a policy file changes (paths only). A bad reload keeps the last good set. */
  watch?: boolean
  onReloadError?: (error: unknown) => void
}

export interface OpenedPolicies {
  current(): PolicySet
  close(): void
}

/** Loads a policy source once; throws on a broken policy so nothing starts on it. */
export async function openPolicySource(
  source: PoliciesOption,
  options: OpenPolicySourceOptions = {},
): Promise<OpenedPolicies> {
  if (source instanceof PolicySet) return fixed(source)
  const paths = typeof source === 'string' ? [source] : isPathList(source) ? source : undefined
  if (paths === undefined) {
    if (!Array.isArray(source)) {
      throw new WardenError(
        'ERR_CONFIG_INVALID',
        'policies: expected paths, a PolicySet or policies',
      )
    }
    return fixed(compilePolicies(source as readonly (Policy | PolicyInput)[]))
  }
  if (!options.watch) return fixed(compilePolicies(await loadPolicies([...paths])))
  const watcher = await watchPolicies(paths, {
    ...(options.onReloadError ? { onError: options.onReloadError } : {}),
  })
  return { current: () => watcher.current, close: () => watcher.close() }
}

function isPathList(source: unknown): source is readonly string[] {
  return Array.isArray(source) && source.length > 0 && source.every((p) => typeof p === 'string')
}

function fixed(set: PolicySet): OpenedPolicies {
  return { current: () => set, close: () => undefined }
}
