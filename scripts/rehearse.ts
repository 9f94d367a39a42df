// npm run rehearse -- --scenario FILE --mode MODE --out DIR [--input N=V]...
// Loads a scenario into a fresh sandbox (shifted to now), runs the built
// action once against it and exits with the action's exit code.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { readScenario } from '../sandbox/scenario'
import { startSandbox } from '../sandbox/sandbox'
import { runAction } from '../sandbox/run-action'

const USAGE =
  'usage: npm run rehearse -- --scenario FILE --mode MODE --out DIR ' +
  '[--input NAME=VALUE]... [--action-dir DIR] [--timeout SECONDS]'

interface Args {
  scenario: string
  mode: string
  out: string
  inputs: Record<string, string>
  actionDir: string | undefined
  timeoutMs: number | undefined
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      mode: { type: 'string' },
      out: { type: 'string' },
      input: { type: 'string', multiple: true },
      'action-dir': { type: 'string' },
      timeout: { type: 'string' }
    },
    strict: true,
    allowPositionals: false
  })
  for (const name of ['scenario', 'mode', 'out'] as const)
    if (!values[name]) throw new Error(`--${name} is required`)
  const inputs: Record<string, string> = {}
  for (const pair of values.input ?? []) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new Error(`--input wants NAME=VALUE, got "${pair}"`)
    inputs[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  let timeoutMs: number | undefined
  if (values.timeout !== undefined) {
    const s = Number(values.timeout)
    if (!(s > 0)) throw new Error(`--timeout wants seconds > 0`)
    timeoutMs = s * 1000
  }
  return {
    scenario: values.scenario as string,
    mode: values.mode as string,
    out: resolve(values.out as string),
    inputs,
    actionDir: values['action-dir'],
    timeoutMs
  }
}

async function main(): Promise<number> {
  let args: Args
  try {
    args = parse(process.argv.slice(2))
  } catch (e) {
    console.error(`rehearse: ${(e as Error).message}\n${USAGE}`)
    return 2
  }
  const scenario = readScenario(args.scenario)
  const started = Date.now()
  const sandbox = await startSandbox(scenario)
  console.log(
    `rehearse: loaded ${args.scenario} (${scenario.description}) ` +
      `in ${Date.now() - started} ms`
  )
  try {
    const r = await runAction({
      sandbox,
      mode: args.mode,
      inputs: args.inputs,
      outDir: args.out,
      actionDir: args.actionDir,
      timeoutMs: args.timeoutMs
    })
    console.log(r.summary.trim() || '(the action wrote no step summary)')
    console.log(
      `\nrehearse: mode ${args.mode} exited ${r.exitCode}` +
        (r.timedOut ? ' (timed out)' : '') +
        `; report.json, summary.md, state.json, log.txt, exit-code in ${args.out}`
    )
    return r.exitCode
  } finally {
    await sandbox.stop()
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`rehearse: ${e instanceof Error ? e.message : String(e)}`)
    process.exit(2)
  }
)
