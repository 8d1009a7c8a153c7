#!/usr/bin/env node
import { createProgram } from './program.js'

// `warden test --reporter json | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

await createProgram().parseAsync(process.argv)
