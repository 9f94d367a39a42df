// Runs the built action (dist/index.js) as a child process the way a
// GitHub runner does, against a sandbox, and keeps what it left behind.
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Sandbox, SandboxState } from './sandbox'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export interface ActionInput {
  name: string
  default?: string
}

export interface RunActionOptions {
  sandbox: Sandbox
  mode: string
  inputs?: Record<string, string>
  outDir: string
  actionDir?: string
  timeoutMs?: number
  /** Stops the run part-way, as GitHub cancels a job (tests only). */
  stop?: StopAt
}

export interface StopAt {
  signal: NodeJS.Signals // SIGINT, SIGTERM or SIGKILL
  /** Once the S3 proxy has seen this many CopyObject requests… */
  afterCopies?: number
  /** …or this many ms after the start, whichever comes first… */
  afterMs?: number
  /** …or once this says so (polled every 2 ms). */
  when?: () => boolean
}

export interface RunActionResult {
  exitCode: number
  timedOut: boolean
  /** When `stop` was given: ms from the start to the signal, if sent. */
  stoppedAfterMs?: number
  report: unknown
  summary: string
  outputs: Record<string, string>
  stdout: string
  stderr: string
  state: SandboxState
}

// Reads just the `inputs:` block of action.yml: names and defaults. The
// file is plain (2-space indent, scalars, folded descriptions), so a few
// lines of parsing spare a YAML dependency.
export function parseActionInputs(yml: string): ActionInput[] {
  const inputs: ActionInput[] = []
  let inBlock = false
  for (const line of yml.split(/\r?\n/)) {
    if (/^\S/.test(line)) inBlock = /^inputs:\s*(#.*)?$/.test(line)
    if (!inBlock) continue
    const name = /^ {2}([^\s:#][^:]*):\s*(#.*)?$/.exec(line)
    if (name?.[1]) inputs.push({ name: name[1].trim() })
    const dflt = /^ {4}default:(.*)$/.exec(line)
    const current = inputs[inputs.length - 1]
    if (dflt && current) current.default = yamlScalar(dflt[1] ?? '')
  }
  return inputs
}

function yamlScalar(text: string): string {
  const t = text.trim()
  if (t.startsWith('"')) return JSON.parse(t.slice(0, t.lastIndexOf('"') + 1))
  if (t.startsWith("'"))
    return t.slice(1, t.lastIndexOf("'")).replaceAll("''", "'")
  return t.replace(/\s+#.*$/, '')
}

export function readActionInputs(actionDir = REPO_ROOT): ActionInput[] {
  return parseActionInputs(readFileSync(join(actionDir, 'action.yml'), 'utf8'))
}

// The runner's name mangling: spaces become `_`, dashes stay.
export function inputVar(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

// INPUT_* for every declared input (given value, else its default), plus
// any given input action.yml does not declare, as the runner passes those
// on too. The mode goes through unchecked: rehearsing a bad mode is valid.
export function actionEnv(
  declared: ActionInput[],
  mode: string,
  given: Record<string, string> = {}
): Record<string, string> {
  const values: Record<string, string> = {}
  for (const i of declared)
    if (i.default !== undefined) values[i.name] = i.default
  Object.assign(values, given, { mode })
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(values))
    env[inputVar(name)] = value
  return env
}

// Variables from the parent that would point the child at real AWS, or at
// another action's inputs and files.
function inherited(parent: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(parent)) {
    if (v === undefined) continue
    if (/^(INPUT_|AWS_ENDPOINT_URL|GITHUB_|STATE_)/.test(k)) continue
    if (k.startsWith('RUNNER_') && k !== 'RUNNER_DEBUG') continue
    if (DROPPED.has(k)) continue
    out[k] = v
  }
  return out
}
const DROPPED = new Set([
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CA_BUNDLE',
  'AWS_SESSION_TOKEN',
  'AWS_DEFAULT_REGION',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'
])

// GITHUB_OUTPUT holds `name=value` lines and `name<<DELIM` … `DELIM` blocks.
export function parseGithubOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc?.[1] && heredoc[2]) {
      const end = lines.indexOf(heredoc[2], i + 1)
      const stop = end === -1 ? lines.length : end
      out[heredoc[1]] = lines.slice(i + 1, stop).join('\n')
      i = stop
      continue
    }
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

export async function runAction(o: RunActionOptions): Promise<RunActionResult> {
  const actionDir = o.actionDir ?? REPO_ROOT
  const outDir = resolve(o.outDir)
  const files = {
    output: join(outDir, 'github-output'),
    summary: join(outDir, 'github-step-summary.md'),
    env: join(outDir, 'github-env'),
    path: join(outDir, 'github-path'),
    state: join(outDir, 'github-state'),
    temp: join(outDir, 'runner-temp'),
    workspace: join(outDir, 'workspace')
  }
  await mkdir(files.temp, { recursive: true })
  await mkdir(files.workspace, { recursive: true })
  // The runner hands every step fresh, empty files.
  const fresh = [
    files.output,
    files.summary,
    files.env,
    files.path,
    files.state
  ]
  for (const f of fresh) await writeFile(f, '')
  const env = {
    ...inherited(process.env),
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: String(Date.now()),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_REPOSITORY: 'animl/animl-deploy',
    GITHUB_WORKFLOW: 'rehearsal',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: files.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_STATE: files.state,
    RUNNER_TEMP: files.temp,
    ...o.sandbox.env,
    ...actionEnv(readActionInputs(actionDir), o.mode, o.inputs)
  }
  const run = await spawnNode(
    join(actionDir, 'dist', 'index.js'),
    env,
    files.workspace,
    o.timeoutMs ?? 5 * 60_000,
    o.stop && stopWhen(o.stop, o.sandbox)
  )
  const outputs = parseGithubOutput(await readFile(files.output, 'utf8'))
  const summary = await readFile(files.summary, 'utf8')
  const report = await keepReport(outputs.report, files.workspace, outDir)
  const state = await o.sandbox.state()
  await writeFile(join(outDir, 'summary.md'), summary)
  await writeFile(join(outDir, 'exit-code'), `${run.exitCode}\n`)
  await writeFile(join(outDir, 'state.json'), JSON.stringify(state, null, 2))
  await writeFile(join(outDir, 'log.txt'), maskLikeARunner(run.log))
  return { ...run, report, summary, outputs, state }
}

// Copies the action's report into outDir as report.json (`null` when the
// action wrote none) and returns it parsed, or null.
async function keepReport(
  path: string | undefined,
  cwd: string,
  outDir: string
): Promise<unknown> {
  const target = join(outDir, 'report.json')
  const source = path ? resolve(cwd, path) : undefined
  if (!source || !existsSync(source)) {
    await writeFile(target, 'null\n')
    return null
  }
  await copyFile(source, target)
  try {
    return JSON.parse(await readFile(source, 'utf8'))
  } catch {
    return null
  }
}

interface NodeRun {
  exitCode: number
  timedOut: boolean
  stoppedAfterMs?: number
  stdout: string
  stderr: string
  log: string // both streams, interleaved as they arrived
}

function spawnNode(
  script: string,
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
  stopWhen?: (elapsedMs: number) => NodeJS.Signals | undefined
): Promise<NodeRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script], { env, cwd })
    const started = Date.now()
    let stoppedAfterMs: number | undefined
    const poll = stopWhen
      ? setInterval(() => {
          const signal = stopWhen(Date.now() - started)
          if (!signal) return
          stoppedAfterMs = Date.now() - started
          log.push(`\n[run-action] ${signal} after ${stoppedAfterMs} ms\n`)
          child.kill(signal)
          clearInterval(poll)
        }, 2)
      : undefined
    const out: string[] = []
    const err: string[] = []
    const log: string[] = []
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out.push(s)
      log.push(s)
    })
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err.push(s)
      log.push(s)
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      log.push(`\n[run-action] timed out after ${timeoutMs} ms, killed\n`)
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      fail(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      clearInterval(poll)
      // A signalled process gets the shell's 128 + signal number.
      const bySignal = signal ? 128 + (constants.signals[signal] ?? 0) : 1
      done({
        exitCode: code ?? bySignal,
        timedOut,
        ...(stoppedAfterMs !== undefined && { stoppedAfterMs }),
        stdout: out.join(''),
        stderr: err.join(''),
        log: log.join('')
      })
    })
  })
}

function stopWhen(stop: StopAt, sandbox: Sandbox) {
  return (elapsedMs: number) => {
    const copies = sandbox.s3proxy.counts.get('CopyObject') ?? 0
    const due =
      (stop.afterCopies !== undefined && copies >= stop.afterCopies) ||
      (stop.afterMs !== undefined && elapsedMs >= stop.afterMs) ||
      stop.when?.() === true
    return due ? stop.signal : undefined
  }
}

// A runner never shows `::add-mask::` commands and replaces every masked
// value with ***: log.txt reads like the run page would.
export function maskLikeARunner(log: string): string {
  const lines = log.split('\n')
  const secrets = lines
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => line.slice('::add-mask::'.length).trim())
    .filter(Boolean)
    .sort((a, b) => b.length - a.length)
  return lines
    .filter((line) => !line.startsWith('::add-mask::'))
    .map((line) => secrets.reduce((text, s) => text.replaceAll(s, '***'), line))
    .join('\n')
}
