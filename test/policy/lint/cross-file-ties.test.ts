import { describe, expect, it } from 'vitest'
import type { PolicyInput } from '../../../src/index.js'
import { lintFiles, withCode, type RuleInput } from './lint-helpers.js'

const usersUseTools: RuleInput = {
  name: 'users_use_tools',
  effect: 'allow',
  agents: { roles: ['user'] },
  tools: { patterns: ['*'] },
  actions: ['list', 'call'],
}
const noDeletes: RuleInput = {
  name: 'no_deletes',
  effect: 'deny',
  tools: { names: ['delete_file'] },
  actions: ['call'],
}

function ties(a: RuleInput[], b: RuleInput[]) {
  const files: Record<string, PolicyInput> = {
    'a.yaml': { name: 'a', rules: a },
    'b.yaml': { name: 'b', rules: b },
  }
  return withCode(lintFiles(files), 'W_CROSS_FILE_TIE')
}

describe('cross-file ties', () => {
  it('warns about an allow and a deny of two files at one priority that can meet', () => {
    expect(ties([usersUseTools], [noDeletes])).toEqual([
      expect.objectContaining({
        code: 'W_CROSS_FILE_TIE',
        file: 'b.yaml',
        path: 'rules[0]',
        rule: 'no_deletes',
        related: { file: 'a.yaml', line: 3, policy: 'a', rule: 'users_use_tools' },
      }),
    ])
  })

  it('does not separate rules by role: an identity can hold both roles', () => {
    const interns = { ...noDeletes, agents: { roles: ['intern'] } }
    expect(ties([usersUseTools], [interns])).toHaveLength(1)
  })

  it('warns about deny against escalate too', () => {
    const escalate: RuleInput = {
      name: 'ask',
      effect: 'escalate',
      tools: { names: ['delete_file'] },
    }
    expect(ties([escalate], [noDeletes])).toHaveLength(1)
  })

  describe('does not warn', () => {
    it('within one file', () => {
      const findings = lintFiles({ 'a.yaml': { name: 'a', rules: [usersUseTools, noDeletes] } })
      expect(withCode(findings, 'W_CROSS_FILE_TIE')).toEqual([])
    })

    it('at different priorities', () => {
      expect(ties([usersUseTools], [{ ...noDeletes, priority: 200 }])).toEqual([])
    })

    it('for the same effect', () => {
      expect(ties([usersUseTools], [{ ...noDeletes, effect: 'allow' }])).toEqual([])
    })

    it('for disjoint exact tool names, or names the other side’s globs never match', () => {
      const reads = { ...usersUseTools, tools: { names: ['read_file'] } }
      expect(ties([reads], [noDeletes])).toEqual([])
      const svc = { ...usersUseTools, tools: { patterns: ['svc_*'] } }
      expect(ties([svc], [noDeletes])).toEqual([])
    })

    it('for different exact users', () => {
      expect(
        ties(
          [{ ...usersUseTools, agents: { user_id: 'bob' } }],
          [{ ...noDeletes, agents: { user_id: 'alice' } }],
        ),
      ).toEqual([])
    })

    it('for conditions that exclude each other', () => {
      const tenant = (value: string) => [
        { field: 'user.claims.tenant', operator: 'equals' as const, value },
      ]
      expect(
        ties(
          [{ ...usersUseTools, conditions: tenant('a') }],
          [{ ...noDeletes, conditions: tenant('b') }],
        ),
      ).toEqual([])
    })

    it('when their actions do not overlap', () => {
      expect(ties([{ ...usersUseTools, actions: ['list'] }], [noDeletes])).toEqual([])
    })

    it('for disjoint resource schemes', () => {
      const files: RuleInput = { name: 'files', effect: 'allow', resources: { schemes: ['file'] } }
      const web: RuleInput = {
        name: 'web',
        effect: 'deny',
        resources: { uris: ['https://x.test/a'] },
      }
      expect(ties([files], [web])).toEqual([])
    })
  })
})
