#!/usr/bin/env node
import { CommanderError, type Command } from 'commander'
import { createProgram } from './program.js'

// `warden test --reporter json | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

function overrideExits(command: Command): void {
  command.exitOverride()
  for (const sub of command.commands) overrideExits(sub)
}

const program = createProgram()
overrideExits(program)
try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (!(error instanceof CommanderError)) throw error
  // Usage errors exit 2 (invalid input), never 1, which means "a test failed" or "warnings".
  process.exitCode = error.exitCode === 0 ? 0 : 2
}
