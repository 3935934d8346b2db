// Ctrl-C handling for the long-running commands (db:dev, db:studio).

/**
 * Resolves on the first SIGINT or SIGTERM, so the command can stop its servers and close the
 * database (PGlite writes its data dir on close). A second signal exits at once: cleanup hung.
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((stop) => {
    let received = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        console.error(`${signal} again: exiting without cleanup`)
        process.exit(130)
      }
      received = true
      stop(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}
