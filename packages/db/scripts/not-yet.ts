// Placeholder for a command whose issue has not landed yet: says so and fails, never pretends.
const [command, issue] = process.argv.slice(2)
console.error(`${command} is not built yet (issue ${issue}); nothing was done.`)
process.exit(1)
