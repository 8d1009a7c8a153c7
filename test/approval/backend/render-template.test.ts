import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_TITLE_LENGTH,
  MAX_VALUE_LENGTH,
  renderDescription,
  renderTitle,
  type TemplateScope,
} from '../../../src/approval/backend/render-template.js'

const scope = (
  args: Record<string, unknown>,
  extra: Partial<TemplateScope> = {},
): TemplateScope => ({
  tool: { name: 'transfer_funds', args },
  user: { user_id: 'bob', agent_id: 'claude' },
  server: 'payments',
  ...extra,
})

describe('renderTitle', () => {
  it('fills {tool.args.*} and {{arguments.*}} placeholders alike', () => {
    const call = scope({ amount: 500, to: 'alice@example.com' })
    expect(renderTitle('Transfer {tool.args.amount} to {tool.args.to}', call)).toBe(
      'Transfer 500 to alice@example.com',
    )
    expect(renderTitle('Transfer {{ arguments.amount }} to {{arguments.to}}', call)).toBe(
      'Transfer 500 to alice@example.com',
    )
  })

  it('reads the tool, the server and the caller', () => {
    expect(renderTitle('{user.id} calls {tool} ({tool.name}) on {server}', scope({}))).toBe(
      'bob calls transfer_funds (transfer_funds) on payments',
    )
  })

  it('quotes a string that is not one plain word, so it cannot pass for the template text', () => {
    const call = scope({ to: 'bob. Amount: 1 USD', quote: 'say "hi"', count: '500' })
    expect(renderTitle('Pay {tool.args.to}', call)).toBe('Pay "bob. Amount: 1 USD"')
    expect(renderTitle('{tool.args.quote}', call)).toBe('"say \\"hi\\""')
    expect(renderTitle('{tool.args.count} vs {tool.args.n}', scope({ n: 500, count: '500' }))).toBe(
      '"500" vs 500',
    )
  })

  it('removes control, format and direction-changing characters', () => {
    const call = scope({ to: 'eve\u202Egpj.exe', note: 'line1\nline2\t\u0007end', zw: 'a\u200Bb' })
    expect(renderTitle('{tool.args.to}', call)).toBe('evegpj.exe')
    expect(renderTitle('{tool.args.note}', call)).toBe('"line1 line2 end"')
    expect(renderTitle('{tool.args.zw}', call)).toBe('ab')
  })

  it('never reads a value as a placeholder', () => {
    const call = scope({ a: '{tool.args.b}', b: 'secret' })
    expect(renderTitle('{tool.args.a}', call)).toBe('"{tool.args.b}"')
  })

  it('shows objects as canonical JSON, absent fields as (none), unknown placeholders as written', () => {
    const call = scope({ opts: { z: 1, a: [true, null] } })
    expect(renderTitle('{tool.args.opts}', call)).toBe('{"a":[true,null],"z":1}')
    expect(renderTitle('to {tool.args.missing}', call)).toBe('to (none)')
    expect(renderTitle('{nonsense} {also.bad}', call)).toBe('{nonsense} {also.bad}')
  })

  it('caps each value and the whole title', () => {
    const long = 'x'.repeat(500)
    const value = renderTitle('{tool.args.long}', scope({ long }))
    expect(value).toBe(`"${'x'.repeat(MAX_VALUE_LENGTH - 1)}…"`)
    const title = renderTitle('{tool.args.a} '.repeat(10), scope({ a: long }))
    expect(Array.from(title).length).toBeLessThanOrEqual(MAX_TITLE_LENGTH)
  })

  it('keeps any argument to one visible, bounded line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.anything(), (text, other) => {
        const title = renderTitle(
          'Send {tool.args.text} and {tool.args.other}',
          scope({ text, other }),
        )
        expect(title).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u)
        expect(Array.from(title).length).toBeLessThanOrEqual(MAX_TITLE_LENGTH)
      }),
    )
  })
})

describe('renderDescription', () => {
  it("keeps the template's own line breaks, never a value's", () => {
    const text = renderDescription(
      'Pay {tool.args.to}\nfor {tool.args.why}',
      scope({ to: 'ann', why: 'a\nb' }),
    )
    expect(text).toBe('Pay ann\nfor "a b"')
  })
})
