import { it } from 'vitest'
import { policySchema } from '../../src/policy/schema.js'
import { stringify } from 'yaml'
it('scratch', () => {
  const r = policySchema.safeParse({
    name: 'p',
    rules: [
      { name: 'x', conditions: [{ field: 'tool.args.a', operator: 'exists', value: undefined }] },
    ],
  })
  console.log(JSON.stringify(r.error?.issues))
  const r2 = policySchema.safeParse({
    name: 'p',
    rules: [
      {
        name: 'x',
        effect: 'allow',
        description: undefined,
        conditions: [{ field: 'tool.args.a', operator: 'exists', value: undefined }],
      },
    ],
  })
  console.log(r2.data, 'description' in r2.data!.rules[0]!, r2.data!.rules[0]!.conditions)
  const a = ['x']
  console.log(
    stringify({
      a: undefined,
      b: a,
      c: a,
      d: ['true', '5', 'null', '1e3', 'yes', '0x1f', '~', '', ' a'],
    }),
  )
})
