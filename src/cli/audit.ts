import type { Command } from 'commander'
import type { AuditVerification } from '../audit/chain-verifier.js'
import { verifyAuditLog } from '../audit/verify-audit-log.js'
import { WardenError } from '../errors.js'
import { paint } from './style.js'

/** `warden audit verify FILE`: checks an audit file's hash chain. */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('Work with the hash-chained audit log')
  audit
    .command('verify')
    .description("Check an audit file's hash chain, every record from first to last")
    .argument('<file>', 'the JSONL audit file')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 the chain is intact, 1 it is broken (the first bad line is named),\n' +
        '2 the file cannot be read. An intact chain proves no record was changed, removed or\n' +
        'reordered since it was written, unless the whole chain was rewritten: compare the last\n' +
        'hash with one kept elsewhere.',
    )
    .action(async (file: string, options: { json?: boolean }) => {
      process.exitCode = await verifyCommand(file, options)
    })
}

async function verifyCommand(file: string, options: { json?: boolean }): Promise<number> {
  let result: AuditVerification
  try {
    result = await verifyAuditLog(file)
  } catch (error) {
    if (!(error instanceof WardenError) || error.code !== 'ERR_AUDIT_UNREADABLE') throw error
    process.stderr.write(`warden audit verify: ${error.message}\n`)
    return 2
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  } else if (result.ok) {
    process.stdout.write(
      `${paint('green', 'OK')}: ${records(result.records)}, chain intact, last hash ${result.lastHash}\n`,
    )
  } else {
    process.stdout.write(
      `${paint('red', `BROKEN at line ${result.firstBadLine}`)}: ${result.reason}\n` +
        `Intact before it: ${records(result.records)}, last hash ${result.lastHash}\n`,
    )
  }
  return result.ok ? 0 : 1
}

function records(count: number): string {
  return `${count} ${count === 1 ? 'record' : 'records'}`
}
