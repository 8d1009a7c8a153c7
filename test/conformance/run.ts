import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { killAllChildrenNow, stopAllChildren } from './children.js'
import { ALLOW_ALL_POLICY, proxyUnavailable, startProxy } from './proxy.js'
import {
  columnSummary,
  renderDetails,
  renderMarkdown,
  renderTable,
  shortfalls,
  type Column,
} from './report.js'
import { loadSuite, SUITE_PACKAGE, type ScenarioResult, type Suite } from './suite.js'
import { everythingUpstream, fixtureUpstream, projectRoot, type Target } from './upstreams.js'

const SCENARIO_TIMEOUT_MS = 90_000
const USAGE = `usage: npm run conformance -- [--direct-only] [--upstream fixture|server-everything]...
                                [--scenario NAME]... [--markdown FILE]`

/** Runs every scenario against one target, started here and stopped at the end whatever happens. */
async function measure(
  suite: Suite,
  column: Column,
  scenarios: readonly string[],
  start: () => Promise<Target>,
): Promise<void> {
  let target: Target
  try {
    target = await start()
  } catch (error) {
    column.results = `did not start: ${error instanceof Error ? error.message : String(error)}`
    return
  }
  const results = new Map<string, ScenarioResult>()
  column.results = results
  let stopping = false
  void target.child.exited.then((code) => {
    if (stopping) return
    const tail = target.child.output().trim().split('\n').slice(-10).join('\n')
    column.crash = `exit code ${code}\n${tail}`
  })
  try {
    for (const scenario of scenarios) {
      const result = await suite.run(target.url, scenario, SCENARIO_TIMEOUT_MS)
      results.set(scenario, result)
      const note = result.outcome === 'pass' ? '' : `  ${result.failures.join('; ')}`
      console.error(`  ${column.upstream} ${column.via}: ${scenario} ${result.outcome}${note}`)
    }
  } finally {
    stopping = true
    await target.child.stop()
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'direct-only': { type: 'boolean', default: false },
      upstream: { type: 'string', multiple: true },
      scenario: { type: 'string', multiple: true },
      markdown: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const root = projectRoot()
  const upstreams = [fixtureUpstream(), everythingUpstream(root)].filter(
    (upstream) => values.upstream === undefined || values.upstream.includes(upstream.name),
  )

  console.error(`Installing ${SUITE_PACKAGE} with Node 22 through npx...`)
  const suite = await loadSuite()
  const scenarios = suite.scenarios.filter(
    (scenario) => values.scenario === undefined || values.scenario.includes(scenario),
  )
  const unavailable = values['direct-only']
    ? 'not run (--direct-only)'
    : await proxyUnavailable(root)

  const policyDir = await mkdtemp(join(tmpdir(), 'warden-conformance-policy-'))
  const policyFile = join(policyDir, 'allow-all.yaml')
  await writeFile(policyFile, ALLOW_ALL_POLICY)
  const columns: Column[] = []
  try {
    for (const upstream of upstreams) {
      const direct: Column = { upstream: upstream.name, via: 'direct', results: 'not run' }
      const proxied: Column = { upstream: upstream.name, via: 'proxy', results: unavailable ?? '' }
      columns.push(direct, proxied)
      await measure(suite, direct, scenarios, () => upstream.serveHttp())
      if (unavailable === undefined) {
        await measure(suite, proxied, scenarios, () => startProxy(root, upstream, policyFile))
      }
    }
  } finally {
    await rm(policyDir, { recursive: true, force: true })
  }

  const date = new Date().toISOString().slice(0, 10)
  console.log(`\nMCP conformance, ${SUITE_PACKAGE} server scenarios, ${date}`)
  console.log(`suite on ${suite.node}; servers and proxy on Node ${process.version}\n`)
  console.log(renderTable(columns, scenarios))
  console.log('')
  for (const column of columns) console.log(columnSummary(column, scenarios))
  const details = renderDetails(columns)
  if (details !== '') console.log(`\nDetails:\n${details}`)
  const problems = shortfalls(columns, scenarios, !values['direct-only'])
  const verdict = values['direct-only']
    ? 'the fixture passes every scenario directly'
    : 'through the proxy, each upstream passes what it passes directly, plus dns-rebinding-protection'
  console.log(problems.length === 0 ? `\nOK: ${verdict}` : '')
  for (const problem of problems) console.log(`NOT OK: ${problem}`)
  if (values.markdown !== undefined) {
    await writeFile(values.markdown, `${renderMarkdown(columns, scenarios)}\n`)
  }
  return problems.length === 0 ? 0 : 1
}

process.once('exit', killAllChildrenNow)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAllChildren().finally(() => process.exit(130))
  })
}
try {
  process.exitCode = await main()
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 2
} finally {
  await stopAllChildren()
}
