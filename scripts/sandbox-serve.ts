// npx tsx scripts/sandbox-serve.ts --scenario FILE --write-env PATH
// Starts the sandbox and keeps it up until killed, so that later steps of
// a CI job (or a shell) can run the action against it. The env file gets
// what the action needs to reach the sandbox (endpoints, region, dummy
// credentials), SANDBOX_MONGODB_URI and SANDBOX_PID; it appears only once
// the sandbox is loaded, so its existence means ready.
import { rename, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { readScenario } from '../sandbox/scenario'
import { startSandbox } from '../sandbox/sandbox'

const USAGE =
  'usage: npx tsx scripts/sandbox-serve.ts --scenario FILE --write-env PATH'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      'write-env': { type: 'string' }
    },
    strict: true
  })
  const scenarioPath = values.scenario
  const envFile = values['write-env']
  if (!scenarioPath || !envFile) throw new Error(USAGE)

  const sandbox = await startSandbox(readScenario(scenarioPath))
  const env = {
    ...sandbox.env,
    SANDBOX_MONGODB_URI: sandbox.mongoUri,
    SANDBOX_PID: String(process.pid)
  }
  const lines = Object.entries(env).map(([name, value]) => `${name}=${value}`)
  // Written whole, then renamed, so a reader never sees half a file.
  await writeFile(`${envFile}.tmp`, lines.join('\n') + '\n')
  await rename(`${envFile}.tmp`, envFile)
  console.log(
    `sandbox-serve: ${scenarioPath} is up (pid ${process.pid}); ` +
      `environment in ${envFile}`
  )

  const stop = async (signal: string) => {
    console.log(`sandbox-serve: ${signal}, stopping`)
    await sandbox.stop()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
  // The servers keep the event loop alive until a signal arrives.
}

main().catch((error: unknown) => {
  console.error(
    `sandbox-serve: ${error instanceof Error ? error.message : String(error)}`
  )
  process.exit(2)
})
