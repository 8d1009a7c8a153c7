// An agent that asks a human before it spends money. Start `warden serve`, create an agent key,
// then build and run it from the repository root:
//   npx tsc examples/approvals/agent.ts --outDir .example --rootDir . --module nodenext \
//     --target es2022 --skipLibCheck --types node
//   WARDEN_API_KEY=wk_… WARDEN_URL=http://127.0.0.1:8788 node .example/examples/approvals/agent.js
import {
  ActionDeniedError,
  ActionExpiredError,
  ActionTimeoutError,
  WardenClient,
  purchaseRequest,
  verifyAction,
} from '../../src/approval/client/index.js'

const client = new WardenClient() // WARDEN_API_KEY, WARDEN_URL

const { summaries } = await client.getSpendingSummary()
for (const s of summaries) {
  console.log(`${s.action_type} (${s.period}): ${s.spent} / ${s.limit} spent, ${s.remaining} left`)
}

// Build the request locally so the agent knows exactly which parameters it will execute.
const request = purchaseRequest({
  amount: 49.99,
  currency: 'USD',
  merchant: 'DigitalOcean',
  description: '3 droplets for the staging cluster',
})
const created = await client.requestAction(request)
console.log(`Approve at ${created.approval_url}`)
console.log(`Check that the inbox shows fingerprint ${created.fingerprint}`)

try {
  const approved = await client.waitForResult(created.id, { timeoutMs: 5 * 60_000 })
  // The approval must cover exactly what we are about to do.
  verifyAction(approved, request.parameters)
  // Use the approval once; a second claim (by us or anyone holding the key) is refused.
  await client.claim(approved.id, approved.content_hash)
  console.log(`Approved by ${approved.resolved_by} (${approved.method}); buying now.`)
  await client.reportResult(approved.id, 'succeeded')
} catch (error) {
  if (error instanceof ActionDeniedError) console.log(`Denied: ${error.reason ?? 'no reason'}`)
  else if (error instanceof ActionExpiredError) console.log('Nobody decided in time.')
  else if (error instanceof ActionTimeoutError) console.log('Still pending; try again later.')
  else throw error
  process.exitCode = 1
}
