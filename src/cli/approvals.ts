import { resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { WardenError } from '../errors.js'
import { openStore } from '../store/open-store.js'
import { createSecretBox, loadSecretKey } from '../approval/secret-box.js'
import { relyingPartyFrom } from '../approval/passkey/relying-party.js'
import { reverifyPasskeyEvidence } from '../approval/passkey/reverify-passkey-evidence.js'
import {
  createApprovalService,
  type ApprovalService,
} from '../approval/service/approval-service.js'
import { fingerprint } from '../approval/fingerprint.js'
import { canonicalDigest } from '../audit/canonical-digest.js'
import type { ApprovalRequest } from '../approval/approval-request.js'
import { APPROVAL_STATUSES } from '../approval/approval-request.js'
import { confirmTotpSetup, startTotpSetup } from '../approval/totp/totp-setup.js'
import type { Approver } from '../store/store.js'

interface StoreOptions {
  store?: string
  secretKeyFile?: string
  publicUrl?: string
}

const out = (text: string) => void process.stdout.write(`${text}\n`)

/** `warden approvals …`: the approval store from a terminal (same rules as the inbox). */
export function registerApprovalsCommand(program: Command): void {
  const approvals = program
    .command('approvals')
    .description('List, approve, deny and verify approval requests; add approvers and agent keys')
  const withStore = (command: Command) =>
    command
      .addOption(new Option('--store <url>', 'sqlite:PATH or postgres://…').env('WARDEN_STORE'))
      .addOption(new Option('--secret-key-file <path>', 'key for secrets at rest'))
      .addOption(new Option('--public-url <url>', 'the inbox URL').env('WARDEN_PUBLIC_URL'))

  withStore(approvals.command('list'))
    .description('List requests, newest first')
    .addOption(new Option('--status <status>').choices([...APPROVAL_STATUSES]))
    .option('--json', 'print JSON')
    .action(
      (
        options: StoreOptions & { status?: ApprovalRequest['status']; json?: boolean },
        command: Command,
      ) =>
        run(command, options, async (service) => {
          const requests = await service.listRequests(
            options.status ? { status: options.status } : {},
          )
          if (options.json) return out(JSON.stringify(requests, null, 2))
          for (const r of requests) {
            out(
              `${r.id}  ${r.status.padEnd(8)}  ${fingerprint(r.content_hash)}  ${r.action_type}/${r.risk_level}  ${r.title}`,
            )
          }
        }),
    )

  withStore(approvals.command('show').argument('<id>'))
    .description('Show a request with its parameters, fingerprint and history')
    .action((id: string, options: StoreOptions, command: Command) =>
      run(command, options, async (service) => out(describe(await service.getRequest(id)))),
    )

  for (const decision of ['approve', 'deny'] as const) {
    withStore(approvals.command(decision).argument('<id>'))
      .description(
        `${decision === 'approve' ? 'Approve' : 'Deny'} a pending request with a TOTP code`,
      )
      .requiredOption('--totp <code>', 'the current code from your authenticator app')
      .option('--approver <name>', 'your approver name (default: the only one with TOTP)')
      .option('--hash <content_hash>', 'the content hash you checked (default: the one shown now)')
      .option('--reason <text>', 'why (deny)')
      .action(
        (
          id: string,
          options: StoreOptions & {
            totp: string
            approver?: string
            hash?: string
            reason?: string
          },
          command: Command,
        ) =>
          run(command, options, async (service) => {
            const approver = await totpApprover(service, options.approver)
            const request = await service.getRequest(id)
            out(describe(request))
            const resolved = await service.resolve(id, {
              decision,
              proof: { totp: options.totp, approver },
              content_hash: options.hash ?? request.content_hash,
              ...(options.reason !== undefined ? { reason: options.reason } : {}),
            })
            out(`${resolved.id} ${resolved.status} by ${approver.name} (totp)`)
          }),
      )
  }

  withStore(approvals.command('totp-setup').argument('<name>'))
    .description("Start (or replace) an approver's TOTP: prints the otpauth URI and a QR code")
    .action((name: string, options: StoreOptions, command: Command) =>
      run(command, options, async (service) => {
        const approver = await namedApprover(service, name)
        const setup = await startTotpSetup(
          service.store,
          service.context.box,
          approver,
          'mcp-warden',
        )
        out(setup.qr_terminal)
        out(setup.provisioning_uri)
        out(`Scan it, then: warden approvals totp-confirm ${name} CODE`)
      }),
    )

  withStore(approvals.command('totp-confirm').argument('<name>').argument('<code>'))
    .description('Turn TOTP on once the authenticator shows a valid code')
    .action((name: string, code: string, options: StoreOptions, command: Command) =>
      run(command, options, async (service) => {
        const approver = await namedApprover(service, name)
        await confirmTotpSetup(service.store, service.context.box, approver, code, Date.now())
        out(`TOTP is on for ${name}`)
      }),
    )

  withStore(approvals.command('verify').argument('<id>'))
    .description("Re-verify a request's stored approval evidence offline")
    .action((id: string, options: StoreOptions, command: Command) =>
      run(command, options, async (service) => {
        const request = await service.getRequest(id)
        const problems = await verifyEvidence(service, request)
        if (problems.length === 0)
          return out(`${id}: evidence verified (${request.method ?? 'none'})`)
        for (const problem of problems) out(`${id}: ${problem}`)
        process.exitCode = 1
      }),
    )

  withStore(approvals.command('add-approver').argument('<name>'))
    .description('Create an approver and print their one-time enrolment link')
    .option('--admin', 'may manage keys, approvers, limits and webhooks')
    .action((name: string, options: StoreOptions & { admin?: boolean }, command: Command) =>
      run(command, options, async (service) => {
        const created = await service.createApprover({
          name,
          role: options.admin ? 'admin' : 'approver',
        })
        out(`approver ${created.approver.name} (${created.approver.id}); enrol within 24 h at:`)
        out(`  ${created.enrolment_url}`)
      }),
    )

  withStore(approvals.command('remove-approver').argument('<name>'))
    .description(
      'Take an approver out of service: sessions, enrolment links and push end at once; ' +
        'what they approved stays verifiable',
    )
    .action((name: string, options: StoreOptions, command: Command) =>
      run(command, options, async (service) => {
        const approver = await service.store.getApproverByName(name)
        if (!approver) throw new WardenError('ERR_APPROVER_NOT_FOUND', `no approver ${name}`)
        const removed = await service.removeApprover(approver.id)
        out(`approver ${removed.name} (${removed.id}) removed at ${removed.removed_at}`)
      }),
    )

  withStore(approvals.command('add-key').argument('<name>'))
    .description('Create an agent API key for the approval API; printed once')
    .option('--agent <agent_id>', 'the agent the key speaks for (default: the name)')
    .option('--admin', 'also grant the admin API (role warden:admin)')
    .action(
      (
        name: string,
        options: StoreOptions & { agent?: string; admin?: boolean },
        command: Command,
      ) =>
        run(command, options, async (service) => {
          const created = await service.createApiKey({
            name,
            ...(options.agent ? { agent_id: options.agent } : {}),
            ...(options.admin ? { roles: ['warden:admin'] } : {}),
          })
          out(created.key)
        }),
    )
}

async function namedApprover(service: ApprovalService, name: string): Promise<Approver> {
  const approver = await service.store.getApproverByName(name)
  if (!approver) throw new WardenError('ERR_APPROVER_NOT_FOUND', `no approver named ${name}`)
  return approver
}

/** The named approver, or the only one with TOTP turned on. */
async function totpApprover(service: ApprovalService, name: string | undefined): Promise<Approver> {
  if (name !== undefined) return namedApprover(service, name)
  const withTotp = (await service.store.listApprovers()).filter((a) => a.totp?.enabled)
  if (withTotp.length !== 1) {
    throw new WardenError(
      'ERR_APPROVER_NOT_FOUND',
      `${withTotp.length} approvers use TOTP; say which with --approver NAME`,
    )
  }
  return withTotp[0]!
}

async function verifyEvidence(
  service: ApprovalService,
  request: ApprovalRequest,
): Promise<string[]> {
  const problems: string[] = []
  if (canonicalDigest(request.parameters) !== request.content_hash) {
    problems.push('stored parameters do not match the content hash')
  }
  const evidence = request.evidence
  if (!evidence)
    return [...problems, 'no evidence stored (the request was never resolved by an approver)']
  if (evidence.method !== 'passkey') return problems
  const credential = await service.store.getPasskey(evidence.credential_id)
  if (!credential) return [...problems, `passkey ${evidence.credential_id} is no longer stored`]
  const checked = await reverifyPasskeyEvidence(request, credential)
  return checked.ok
    ? problems
    : [...problems, `passkey assertion does not verify: ${checked.reason}`]
}

function describe(request: ApprovalRequest): string {
  const lines = [
    `${request.id}  ${request.status}`,
    `  title        ${request.title}`,
    `  action       ${request.action_type}, risk ${request.risk_level}`,
    ...(request.amount !== undefined
      ? [`  amount       ${request.amount} ${request.currency ?? ''}`.trimEnd()]
      : []),
    ...(request.recipient !== undefined ? [`  recipient    ${request.recipient}`] : []),
    `  by           ${request.created_by}`,
    `  expires      ${request.expires_at}`,
    `  fingerprint  ${fingerprint(request.content_hash)}  (${request.content_hash})`,
    `  parameters   ${JSON.stringify(request.parameters, null, 2).replace(/\n/g, '\n               ')}`,
  ]
  return lines.join('\n')
}

async function run(
  command: Command,
  options: StoreOptions,
  action: (service: ApprovalService) => Promise<void>,
): Promise<void> {
  let close = async () => {}
  try {
    const store = await openStore(options.store)
    close = () => store.close()
    const box = createSecretBox(
      await loadSecretKey({
        envVar: 'WARDEN_SECRET_KEY',
        file: resolve(options.secretKeyFile ?? '.warden/secret.key'),
      }),
    )
    const publicUrl = options.publicUrl ?? 'http://localhost:8788'
    await action(createApprovalService({ store, box, rp: relyingPartyFrom(publicUrl), publicUrl }))
  } catch (error) {
    if (!(error instanceof WardenError)) throw error
    command.error(`error: ${error.message} (${error.code})`, { exitCode: 2, code: error.code })
  } finally {
    await close()
  }
}
