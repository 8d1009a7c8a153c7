import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { expectGolden, runCli } from './golden/cli-harness.js'

const POLICIES = 'test/fixtures/suites/policies'
const WEATHER = `${POLICIES}/weather.yaml`
const BOB = '{"user_id":"bob","roles":["user"],"claims":{"tenant":"acme"}}'

describe('warden explain', () => {
  beforeAll(() => {
    vi.stubEnv('NO_COLOR', '1')
  })
  afterAll(() => {
    vi.unstubAllEnvs()
  })

  it('prints the decision and every rule, marking the decisive one (golden)', async () => {
    const run = await runCli([
      'explain',
      '--policies',
      WEATHER,
      '--identity',
      BOB,
      '--call',
      'get_saturn_weather',
      '--args',
      '{"time":"day"}',
    ])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/^decision +deny\nrule +block_saturn_for_safety\npolicy +weather\n/)
    expect(run.stdout).toMatch(/\n> +weather +block_saturn_for_safety +500 +deny +matched\n/)
    expectGolden('explain-call.txt', run.stdout)
  })

  it('shows the first false condition of a rule', async () => {
    const run = await runCli([
      'explain',
      '--policies',
      WEATHER,
      '--identity',
      '{"roles":["intern"]}',
      '--call',
      'get_jupiter_weather',
      '--args',
      '{"time":"day"}',
    ])
    expect(run.stdout).toMatch(
      /intern_jupiter_night_only +100 +allow +condition_false +tool\.args\.time equals "night"/,
    )
  })

  it('prints the Explanation as JSON with --json', async () => {
    const run = await runCli([
      'explain',
      '--policies',
      POLICIES,
      '--identity',
      '{"user_id":"alice","roles":["admin"]}',
      '--get-prompt',
      'admin_report',
      '--json',
    ])
    expect(run.exitCode).toBe(0)
    const explanation = JSON.parse(run.stdout)
    expect(explanation).toMatchObject({
      effect: 'escalate',
      rule: 'report_needs_approval',
      policy: 'weather',
      approval: { action_type: 'data_access', risk_level: 'medium' },
    })
    expect(explanation.trace).toHaveLength(12)
    expect(explanation.trace.filter((t: { decisive: boolean }) => t.decisive)).toEqual([
      expect.objectContaining({ rule: 'report_needs_approval', outcome: 'matched' }),
    ])
  })

  it('shows the approval block of an escalation', async () => {
    const run = await runCli([
      'explain',
      '--policies',
      WEATHER,
      '--identity',
      '{"roles":["admin"]}',
      '--get-prompt',
      'admin_report',
    ])
    expect(run.stdout).toMatch(
      /\napproval +\{"action_type":"data_access","risk_level":"medium"\}\n/,
    )
  })

  it('explains a read, a namespaced tool with annotations, and a request time', async () => {
    const read = await runCli([
      'explain',
      '--policies',
      WEATHER,
      '--identity',
      BOB,
      '--read',
      'user://me',
    ])
    expect(read.stdout).toMatch(/^decision +allow\nrule +profile_for_users\n/)
    const almanac = await runCli([
      'explain',
      ...['--policies', WEATHER, '--identity', BOB, '--call', 'moon_phase'],
      ...['--namespace', 'almanac', '--annotations', '{"readOnlyHint":true}'],
    ])
    expect(almanac.stdout).toMatch(/^decision +allow\nrule +read_only_tools_for_tenants\n/)
    const late = await runCli([
      'explain',
      ...['--policies', WEATHER, '--identity', BOB, '--get-prompt', 'forecast'],
      ...['--time', '2025-01-01T18:00:00Z', '--json'],
    ])
    expect(JSON.parse(late.stdout).effect).toBe('deny')
  })

  it('exits 0 on a deny: the command reports, it does not judge', async () => {
    const run = await runCli([
      'explain',
      ...['--policies', WEATHER, '--identity', '{}', '--call', 'get_mars_weather'],
    ])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(
      /^decision +deny\nrule +-\npolicy +-\nreason +no rule matched; default deny\n/,
    )
  })

  describe('list mode', () => {
    const args = [
      'explain',
      ...['--policies', WEATHER, '--identity', '{"roles":["intern"]}', '--list', 'tools'],
      ...['--available', 'get_mars_weather, get_jupiter_weather,get_saturn_weather'],
    ]

    it('shows each item, whether it is visible and what decided (golden)', async () => {
      const run = await runCli(args)
      expect(run.exitCode).toBe(0)
      expect(run.stdout).toMatch(
        /get_jupiter_weather +yes +allow +rule intern_sees_jupiter \(policy weather\)/,
      )
      expect(run.stdout).toMatch(/get_mars_weather +no +deny +no rule matched; default deny/)
      expectGolden('explain-list.txt', run.stdout)
    })

    it('prints one Explanation per item with --json', async () => {
      const run = await runCli([...args, '--json'])
      const items = JSON.parse(run.stdout)
      expect(
        items.map((i: { item: string; visible: boolean; effect: string }) => [
          i.item,
          i.visible,
          i.effect,
        ]),
      ).toEqual([
        ['get_mars_weather', false, 'deny'],
        ['get_jupiter_weather', true, 'allow'],
        ['get_saturn_weather', false, 'deny'],
      ])
      expect(items[2]).toMatchObject({ rule: 'block_saturn_for_safety', policy: 'weather' })
      expect(items[2].trace).toHaveLength(9)
    })

    it('lists resources by URI', async () => {
      const run = await runCli([
        'explain',
        ...['--policies', WEATHER, '--identity', BOB, '--list', 'resources'],
        ...['--available', 'user://profile,file:///etc/passwd', '--json'],
      ])
      expect(JSON.parse(run.stdout).map((i: { visible: boolean }) => i.visible)).toEqual([
        true,
        false,
      ])
    })
  })

  describe('invalid input exits 2 with a message', () => {
    const cases: [string, string[], RegExp][] = [
      [
        'identity JSON that does not parse',
        ['--identity', '{bob', '--call', 'x'],
        /--identity is not valid JSON/,
      ],
      [
        'an identity with an unknown key',
        ['--identity', '{"role":["x"]}', '--call', 'x'],
        /unknown key "role"/,
      ],
      [
        'an identity of the wrong shape',
        ['--identity', '{"roles":"admin"}', '--call', 'x'],
        /--identity is not a valid identity: roles: /,
      ],
      [
        'args JSON that does not parse',
        ['--identity', '{}', '--call', 'x', '--args', 'time=day'],
        /--args is not valid JSON/,
      ],
      [
        'args that are not an object',
        ['--identity', '{}', '--call', 'x', '--args', '[1]'],
        /--args must be a JSON object/,
      ],
      ['no identity', ['--call', 'x'], /--identity is required/],
      ['no request', ['--identity', '{}'], /exactly one of --call, --list, --read or --get-prompt/],
      ['two requests', ['--identity', '{}', '--call', 'x', '--read', 'y'], /exactly one of/],
      [
        'an unknown list kind',
        ['--identity', '{}', '--list', 'servers', '--available', 'a'],
        /--list must be one of tools, resources, prompts/,
      ],
      [
        'a list without --available',
        ['--identity', '{}', '--list', 'tools'],
        /--list needs --available/,
      ],
      [
        '--available without --list',
        ['--identity', '{}', '--call', 'x', '--available', 'a'],
        /--available only goes with --list/,
      ],
      [
        'args on a read',
        ['--identity', '{}', '--read', 'x', '--args', '{}'],
        /--args only goes with --call or --get-prompt/,
      ],
      [
        'a bad time',
        ['--identity', '{}', '--call', 'x', '--time', 'teatime'],
        /--time must be an ISO-8601 time/,
      ],
    ]
    for (const [what, extra, message] of cases) {
      it(`on ${what}`, async () => {
        const run = await runCli(['explain', '--policies', WEATHER, ...extra])
        expect(run.exitCode).toBe(2)
        expect(run.stdout).toBe('')
        expect(run.stderr).toMatch(message)
      })
    }

    it('without --policies', async () => {
      const run = await runCli(['explain', '--identity', '{}', '--call', 'x'])
      expect(run.exitCode).toBe(2)
      expect(run.stderr).toMatch(/--policies is required/)
    })

    it('on a policy that does not load, with file:line:column', async () => {
      const run = await runCli([
        'explain',
        ...['--policies', 'test/fixtures/suites/invalid-policy/broken.yaml'],
        ...['--identity', '{}', '--call', 'x'],
      ])
      expect(run.exitCode).toBe(2)
      expect(run.stderr).toMatch(
        /^test\/fixtures\/suites\/invalid-policy\/broken\.yaml:6:39 rules\[0\]/,
      )
    })
  })

  it('prints help', async () => {
    const run = await runCli(['explain', '--help'])
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('Usage: warden explain [options]')
    expect(run.stdout).toContain('--get-prompt <name>')
  })

  it('colours only on a TTY, and never with NO_COLOR', async () => {
    const args = [
      'explain',
      '--policies',
      WEATHER,
      '--identity',
      '{}',
      '--call',
      'get_mars_weather',
    ]
    const wasTTY = process.stdout.isTTY
    process.stdout.isTTY = true
    try {
      delete process.env.NO_COLOR
      expect((await runCli(args)).stdout).toContain('\u001b[')
      process.env.NO_COLOR = '1'
      expect((await runCli(args)).stdout).not.toContain('\u001b[')
    } finally {
      process.stdout.isTTY = wasTTY
      process.env.NO_COLOR = '1'
    }
    expect((await runCli(args)).stdout).not.toContain('\u001b[')
  })
})
