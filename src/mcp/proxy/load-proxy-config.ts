import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { z } from 'zod'
import type { SourceIssue } from '../../errors.js'
import { identityConfigSchema } from '../../identity/config.js'
import { IdentityConfigError } from '../../identity/config-error.js'
import { parsePrincipalSpec, type StaticPrincipal } from '../../identity/static.js'
import { formatPath, toSourceIssues } from '../../policy/source-issues.js'
import { displayPath, parseYamlSource, type YamlSource } from '../../policy/yaml-source.js'
import { ConfigLoadError } from './config-load-error.js'
import {
  httpUpstreamSchema,
  proxyConfigSchema,
  stdioUpstreamSchema,
  type ParsedProxyConfig,
} from './proxy-config-schema.js'

export type UpstreamSpec =
  | {
      name: string
      kind: 'stdio'
      command: string
      args: string[]
      env: Record<string, string>
      cwd?: string
    }
  | {
      name: string
      kind: 'streamable-http' | 'sse'
      url: string
      headers: Record<string, string>
    }

/** warden.yaml after validation, with paths made absolute. */
export interface ProxyConfig extends Omit<
  ParsedProxyConfig,
  'upstreams' | 'policies' | 'principal' | 'audit'
> {
  /** Relative paths inside the config (keys files, JWKS files) resolve from here. */
  baseDir: string
  upstreams: UpstreamSpec[]
  policies: string[]
  principal?: StaticPrincipal
  audit?: { file: string; on_failure: 'deny' | 'continue'; include_arguments: boolean }
}

export interface LoadProxyConfigOptions {
  /** The warden.yaml to read, if any. */
  file?: string
  /** Keys set by flags or WARDEN_* variables; they replace the file's (listen is merged). */
  overrides?: Record<string, unknown>
  /** Where relative paths of the overrides resolve; default the working directory. */
  cwd?: string
}

/** Reads, validates and resolves the proxy configuration; throws ConfigLoadError listing every problem. */
export async function loadProxyConfig(options: LoadProxyConfigOptions): Promise<ProxyConfig> {
  const cwd = options.cwd ?? process.cwd()
  let source: YamlSource | undefined
  let fromFile: Record<string, unknown> = {}
  if (options.file !== undefined) {
    const path = resolve(cwd, options.file)
    const label = displayPath(path)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      throw new ConfigLoadError([
        { file: label, path: '', message: `cannot read: ${(error as Error).message}` },
      ])
    }
    const parsed = parseYamlSource(text, label, 'a proxy config needs upstreams and policies')
    if (Array.isArray(parsed)) throw new ConfigLoadError(parsed)
    if (!isRecord(parsed.value)) {
      throw new ConfigLoadError([
        { file: label, line: 1, column: 1, path: '', message: 'expected a map' },
      ])
    }
    source = parsed
    fromFile = parsed.value
  }
  const baseDir = options.file !== undefined ? dirname(resolve(cwd, options.file)) : cwd
  const overrides = absolutePaths(options.overrides ?? {}, cwd)
  const merged: Record<string, unknown> = { ...fromFile, ...overrides }
  if (isRecord(fromFile.listen) && isRecord(overrides.listen)) {
    merged.listen = { ...fromFile.listen, ...overrides.listen }
  }
  return resolveConfig(merged, baseDir, source, new Set(Object.keys(overrides)))
}

function resolveConfig(
  raw: Record<string, unknown>,
  baseDir: string,
  source: YamlSource | undefined,
  overridden: ReadonlySet<string>,
): ProxyConfig {
  const issues = new IssueList(source, overridden)
  const parsed = proxyConfigSchema.safeParse(raw)
  if (!parsed.success) {
    issues.zod(parsed.error.issues, [])
    throw new ConfigLoadError(issues.all)
  }
  const config = parsed.data
  const upstreams: UpstreamSpec[] = []
  for (const [name, entry] of Object.entries(config.upstreams)) {
    const spec = upstreamSpec(name, entry, issues)
    if (spec) upstreams.push(spec)
  }
  const names = Object.keys(config.upstreams)
  if (names.length === 0) issues.add(['upstreams'], 'at least one upstream is required')
  if (config.upstream_sessions === 'shared') {
    issues.add(
      ['upstream_sessions'],
      'shared upstream sessions are not yet supported; use isolated',
    )
  }
  if (config.identity !== undefined) {
    const identity = identityConfigSchema.safeParse(config.identity)
    if (!identity.success) issues.zod(identity.error.issues, ['identity'])
  }
  let principal: StaticPrincipal | undefined
  if (typeof config.principal === 'string') {
    try {
      principal = parsePrincipalSpec(config.principal)
    } catch (error) {
      if (!(error instanceof IdentityConfigError)) throw error
      issues.add(['principal'], error.detail)
    }
  } else if (config.principal !== undefined) {
    principal = config.principal
  }
  const http = config.listen.transport === 'http'
  const hasIdentity = (config.identity?.length ?? 0) > 0 || (config.demo_keys?.length ?? 0) > 0
  if (http && principal !== undefined) {
    issues.add(
      ['principal'],
      'a static principal is for stdio listeners; HTTP callers prove who they are',
    )
  }
  if (http && !hasIdentity && !config.allow_anonymous) {
    issues.add(
      ['identity'],
      'an HTTP listener needs an identity provider (identity:), or --allow-anonymous to serve everyone as the anonymous principal',
    )
  }
  if (!http && principal === undefined && !hasIdentity && !config.allow_anonymous) {
    issues.add(
      ['principal'],
      'a stdio listener needs a principal (--as USER:ROLE[,ROLE…]) or --allow-anonymous',
    )
  }
  if (issues.all.length > 0) throw new ConfigLoadError(issues.all)

  const policies = typeof config.policies === 'string' ? [config.policies] : config.policies
  const { principal: _written, ...rest } = config
  return {
    ...rest,
    baseDir,
    upstreams,
    policies: policies.map((path) => resolve(baseDir, path)),
    ...(principal ? { principal } : {}),
    ...(config.audit
      ? { audit: { ...config.audit, file: resolve(baseDir, config.audit.file) } }
      : {}),
  }
}

function upstreamSpec(name: string, entry: unknown, issues: IssueList): UpstreamSpec | undefined {
  const at = ['upstreams', name]
  if (isRecord(entry) && 'command' in entry) {
    const result = stdioUpstreamSchema.safeParse(entry)
    if (!result.success) return void issues.zod(result.error.issues, at)
    return { name, kind: 'stdio', ...result.data }
  }
  if (isRecord(entry) && 'url' in entry) {
    const result = httpUpstreamSchema.safeParse(entry)
    if (!result.success) return void issues.zod(result.error.issues, at)
    const { transport, ...rest } = result.data
    return { name, kind: transport, ...rest }
  }
  issues.add(at, 'an upstream needs command (stdio) or url (Streamable HTTP or SSE)')
  return undefined
}

/** Issues placed in the file when the key came from it; a flag's key has no position. */
class IssueList {
  readonly all: SourceIssue[] = []
  readonly #source: YamlSource | undefined
  readonly #overridden: ReadonlySet<string>

  constructor(source: YamlSource | undefined, overridden: ReadonlySet<string>) {
    this.#source = source
    this.#overridden = overridden
  }

  add(path: readonly PropertyKey[], message: string): void {
    const located = this.#located(path)
    this.all.push({
      file: located ? this.#source!.file : '<flags>',
      ...(located ? located.locate(path) : {}),
      path: formatPath(path),
      message,
    })
  }

  zod(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): void {
    const prefixed = issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }))
    for (const issue of prefixed) {
      const located = this.#located(issue.path)
      this.all.push(
        ...toSourceIssues([issue], located ? this.#source!.file : '<flags>', located?.locate),
      )
    }
  }

  #located(path: readonly PropertyKey[]): YamlSource | undefined {
    const top = path[0]
    if (
      !this.#source ||
      (typeof top === 'string' && this.#overridden.has(top) && top !== 'listen')
    ) {
      return undefined
    }
    return this.#source
  }
}

/** Paths given on the command line resolve from the working directory, not the config file. */
function absolutePaths(overrides: Record<string, unknown>, cwd: string): Record<string, unknown> {
  const out = { ...overrides }
  if (typeof out.policies === 'string') out.policies = resolve(cwd, out.policies)
  if (Array.isArray(out.policies)) {
    out.policies = out.policies.map((path) =>
      typeof path === 'string' ? resolve(cwd, path) : path,
    )
  }
  if (isRecord(out.audit) && typeof out.audit.file === 'string') {
    out.audit = { ...out.audit, file: resolve(cwd, out.audit.file) }
  }
  return out
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
