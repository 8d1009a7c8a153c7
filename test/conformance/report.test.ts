import { describe, expect, it } from 'vitest'
import { cell, DNS_REBINDING, shortfalls, type Column } from './report.js'
import type { ScenarioResult } from './suite.js'

const SCENARIOS = ['ping', 'tools-call-sampling', DNS_REBINDING]

function result(scenario: string, outcome: ScenarioResult['outcome']): ScenarioResult {
  return {
    scenario,
    outcome,
    passed: outcome === 'pass' ? 1 : 0,
    failed: outcome === 'fail' ? 1 : 0,
    warnings: 0,
    failures: outcome === 'pass' ? [] : ['check: failed'],
    warningMessages: [],
  }
}

function column(
  upstream: string,
  via: Column['via'],
  outcomes: Record<string, ScenarioResult['outcome']> | string,
): Column {
  const results =
    typeof outcomes === 'string'
      ? outcomes
      : new Map(Object.entries(outcomes).map(([name, outcome]) => [name, result(name, outcome)]))
  return { upstream, via, results }
}

const allPass = { ping: 'pass', 'tools-call-sampling': 'pass', [DNS_REBINDING]: 'pass' } as const

describe('shortfalls', () => {
  it('finds none when the proxy passes what the upstream passes, plus dns rebinding', () => {
    const columns = [
      column('fixture', 'direct', allPass),
      column('fixture', 'proxy', allPass),
      column('server-everything', 'direct', { ...allPass, [DNS_REBINDING]: 'fail' }),
      column('server-everything', 'proxy', allPass),
    ]
    expect(shortfalls(columns, SCENARIOS, true)).toEqual([])
  })

  it('names a scenario that passes directly but fails through the proxy', () => {
    const columns = [
      column('server-everything', 'direct', allPass),
      column('server-everything', 'proxy', { ...allPass, 'tools-call-sampling': 'timeout' }),
    ]
    expect(shortfalls(columns, SCENARIOS, true)).toEqual([
      'server-everything: tools-call-sampling passes directly but fails through the proxy',
    ])
  })

  it('does not blame the proxy for a scenario the upstream fails directly', () => {
    const failing = { ...allPass, 'tools-call-sampling': 'fail' } as const
    const columns = [
      column('server-everything', 'direct', failing),
      column('server-everything', 'proxy', failing),
    ]
    expect(shortfalls(columns, SCENARIOS, true)).toEqual([])
  })

  it('requires the proxy to pass dns rebinding protection even when the upstream fails it', () => {
    const noProtection = { ...allPass, [DNS_REBINDING]: 'fail' } as const
    const columns = [
      column('server-everything', 'direct', noProtection),
      column('server-everything', 'proxy', noProtection),
    ]
    expect(shortfalls(columns, SCENARIOS, true)).toEqual([
      `server-everything: the proxy fails ${DNS_REBINDING}`,
    ])
  })

  it('requires the fixture to pass every scenario directly', () => {
    const columns = [column('fixture', 'direct', { ...allPass, ping: 'error' })]
    expect(shortfalls(columns, SCENARIOS, false)).toEqual(['fixture fails ping directly'])
  })

  it('counts an unmeasured proxy only when the proxy is required', () => {
    const columns = [
      column('fixture', 'direct', allPass),
      column('fixture', 'proxy', 'no proxy command'),
    ]
    expect(shortfalls(columns, SCENARIOS, false)).toEqual([])
    expect(shortfalls(columns, SCENARIOS, true)).toEqual([
      'fixture: proxy not measured (no proxy command)',
    ])
  })
})

describe('cell', () => {
  it('reads "proxy unavailable" for a proxy column that was not measured', () => {
    expect(cell(column('fixture', 'proxy', 'no proxy command'), 'ping')).toBe('proxy unavailable')
  })

  it('shows warnings beside a pass and upper-cases anything else', () => {
    const withWarning: Column = {
      upstream: 'fixture',
      via: 'direct',
      results: new Map([
        ['ping', { ...result('ping', 'pass'), warnings: 2 }],
        [DNS_REBINDING, result(DNS_REBINDING, 'timeout')],
      ]),
    }
    expect(cell(withWarning, 'ping')).toBe('pass (2 warn)')
    expect(cell(withWarning, DNS_REBINDING)).toBe('TIMEOUT')
  })
})
