import { z } from 'zod'

const nonEmptyString = z.string().min(1, 'must not be empty')

/** An identity as a test (or `warden explain --identity`) states it: the Principal a policy sees. */
export const principalSchema = z.strictObject({
  user_id: nonEmptyString.optional(),
  roles: z.array(nonEmptyString).optional(),
  agent_id: nonEmptyString.optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
  scopes: z.array(nonEmptyString).optional(),
  authenticated: z.boolean().optional(),
  method: nonEmptyString.optional(),
})

export const LIST_KINDS = ['tools', 'resources', 'prompts'] as const
export type ListKind = (typeof LIST_KINDS)[number]

/** The shape of one test; which keys go together is checked by suite-checks.ts. */
export const testCaseSchema = z.strictObject({
  name: nonEmptyString,
  description: z.string().optional(),
  identity: z.union([nonEmptyString, principalSchema]),
  call: nonEmptyString.optional(),
  list: z.enum(LIST_KINDS).optional(),
  read: nonEmptyString.optional(),
  get_prompt: nonEmptyString.optional(),
  args: z.record(z.string(), z.unknown()).optional(),
  available: z.array(nonEmptyString).optional(),
  namespace: nonEmptyString.optional(),
  tags: z.array(nonEmptyString).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
  time: z.iso
    .datetime({ offset: true, message: 'must be an ISO-8601 time such as 2025-01-31T09:00:00Z' })
    .optional(),
  expect: z.enum(['allow', 'deny', 'escalate']).optional(),
  expect_rule: z.union([nonEmptyString, z.null()]).optional(),
  expect_policy: z.union([nonEmptyString, z.null()]).optional(),
  expect_visible: z.array(nonEmptyString).optional(),
})

export const testSuiteSchema = z.strictObject({
  suite: nonEmptyString,
  description: z.string().optional(),
  policies: z.array(nonEmptyString).min(1, 'must list at least one policy file or directory'),
  identities: z.record(z.string(), principalSchema).default({}),
  tests: z.array(testCaseSchema).min(1, 'must list at least one test'),
})

export type PrincipalDocument = z.output<typeof principalSchema>
export type TestCaseDocument = z.output<typeof testCaseSchema>
export type TestSuiteDocument = z.output<typeof testSuiteSchema>
