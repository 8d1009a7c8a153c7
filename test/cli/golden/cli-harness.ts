import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CommanderError, type Command } from 'commander'
import { expect, vi } from 'vitest'
import { createProgram } from '../../../src/cli/program.js'

export interface CliRun {
  stdout: string
  stderr: string
  exitCode: number
}

/** Runs `warden <args>` in-process, capturing what it writes and the exit code it sets. */
export async function runCli(args: readonly string[]): Promise<CliRun> {
  const program = createProgram()
  const overrideExits = (command: Command): void => {
    command.exitOverride()
    command.commands.forEach(overrideExits)
  }
  overrideExits(program)
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk)
    return true
  })
  process.exitCode = undefined
  let exitCode: number
  try {
    await program.parseAsync(args, { from: 'user' })
    exitCode = Number(process.exitCode ?? 0)
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error
    exitCode = error.exitCode
  } finally {
    out.mockRestore()
    err.mockRestore()
    process.exitCode = undefined
  }
  return { stdout, stderr, exitCode }
}

const GOLDEN_DIR = new URL('.', import.meta.url).pathname

/** Compares with test/cli/golden/<name> exactly; UPDATE_GOLDEN=1 rewrites the file instead. */
export function expectGolden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name)
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual)
    return
  }
  if (!existsSync(file)) throw new Error(`no golden file ${file}; run with UPDATE_GOLDEN=1`)
  expect(actual).toBe(readFileSync(file, 'utf8'))
}
