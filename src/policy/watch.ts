import { watch, type FSWatcher } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { compilePolicies } from './compile.js'
import { loadPolicies } from './loader.js'
import type { PolicySet } from './policy-set.js'

export interface PolicyWatcherOptions {
  /** Quiet period after the last file event before reloading. Default 100 ms. */
  debounceMs?: number
  onReload?: (set: PolicySet) => void
  /** A reload failed; the previous set stays in force. */
  onError?: (error: unknown) => void
}

export interface PolicyWatcher {
  /** The last set that loaded cleanly. */
  readonly current: PolicySet
  /** Reloads now; resolves to the set in force afterwards (the old one if loading failed). */
  reload(): Promise<PolicySet>
  close(): void
}

/**
 * Loads policies, then reloads them whenever a file under `paths` changes. A bad reload keeps
 * the last good set in force and reports the error; the swap is a single reference assignment.
 * The first load throws, so a proxy never starts on a broken policy.
 */
export async function watchPolicies(
  paths: readonly string[],
  options: PolicyWatcherOptions = {},
): Promise<PolicyWatcher> {
  let current = compilePolicies(await loadPolicies(paths))
  let timer: NodeJS.Timeout | undefined
  let reloading: Promise<PolicySet> | undefined
  const watchers: FSWatcher[] = []

  async function reload(): Promise<PolicySet> {
    // Serialize reloads so an older load can never overwrite a newer one.
    const previous = reloading ?? Promise.resolve(current)
    reloading = previous.then(async () => {
      try {
        current = compilePolicies(await loadPolicies(paths))
        options.onReload?.(current)
      } catch (error) {
        options.onError?.(error)
      }
      return current
    })
    return reloading
  }

  function schedule(): void {
    clearTimeout(timer)
    timer = setTimeout(() => void reload(), options.debounceMs ?? 100)
  }

  for (const path of paths) {
    const absolute = resolve(path)
    const info = await stat(absolute)
    // Watch a file's directory: editors replace files on save, which ends a watch on the file itself.
    const target = info.isDirectory() ? absolute : dirname(absolute)
    // Only events for policy files count: a busy directory (/tmp) must not cause reload storms.
    const relevant = info.isDirectory()
      ? (name: string) => /\.ya?ml$/.test(name)
      : (name: string) => name === basename(absolute)
    const watcher = watch(target, { recursive: info.isDirectory() }, (_event, name) => {
      if (name === null || relevant(name)) schedule()
    })
    watcher.on('error', (error) => options.onError?.(error))
    watchers.push(watcher)
  }

  return {
    get current() {
      return current
    },
    reload,
    close() {
      clearTimeout(timer)
      for (const watcher of watchers) watcher.close()
    },
  }
}
