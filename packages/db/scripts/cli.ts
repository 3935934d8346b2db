// Shared by the command entry points: argument parsing and one-line errors.
import { parseArgs } from 'node:util'

/** Runs a command; an error becomes one line on stderr and exit code 1 (DEBUG=1: the stack). */
export function run(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error)
      console.error(`error: ${message}`)
      if (process.env.DEBUG && error instanceof Error) console.error(error.stack)
      process.exit(1)
    },
  )
}

export { parseArgs }
