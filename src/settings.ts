// Inputs are read once, here, into a typed read-only object. Every error
// names the input, the bad value (never a secret) and what is accepted, and
// happens before any call to Animl.
import { InputError } from './errors'
import { parseDuration } from './duration'
import { INPUTS, MODES, type Mode } from './io-names'
import { mongoUriProblem, mongoUriShapeProblem } from './mongo-uri'
import { parseProbes, type ProbeSpec } from './probe'
import { parseSignOut, type SignOutSettings } from './sign-out'
import { parseStatusObject, type StatusObjectSettings } from './status-object'

export type FlagRole = 'frontend' | 'api' | 'ingestion'

export interface FlagSpec {
  readonly role: FlagRole
  readonly name: string
}

export interface Settings {
  readonly mode: Mode
  readonly stage: string
  readonly region: string
  readonly flags: readonly FlagSpec[]
  readonly mongodbUri: string | undefined
  readonly parkingLotBucket: string | undefined
  readonly ingestionBucket: string | undefined
  readonly batchJobQueue: string | undefined
  readonly staleAfterMs: number
  readonly waitTimeoutMs: number
  readonly pollIntervalMs: number
  readonly dryRun: boolean
  readonly drain: DrainSettings
  readonly maxMaintenanceMs: number
  readonly allowMixedStages: boolean
  /** Bounds the whole run; on expiry it stops like a cancellation. */
  readonly timeoutMs: number
  readonly reportPath: string | undefined
  /** Per flag, the request that shows it took effect (issue #6). */
  readonly probes: Partial<Record<FlagRole, ProbeSpec>>
  readonly probeTimeoutMs: number
  readonly statusObject: StatusObjectSettings | undefined
  readonly signOut: SignOutSettings | undefined
}

/** How exit drains the parking lot. */
export interface DrainSettings {
  readonly settleTimeMs: number
  readonly concurrency: number
  /** Objects per second at most; 0 means no cap. */
  readonly maxRate: number
  readonly resumeTimeoutMs: number
}

export type InputReader = (name: string) => string

const STAGE = /^[a-z0-9-]+$/
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/
// SSM parameter names: letters, digits, `_.-/`, at most 2048 characters,
// and not in the reserved `aws`/`ssm` namespaces.
const SSM_NAME = /^[A-Za-z0-9_./-]{1,2048}$/
const SSM_RESERVED = /^\/?(aws|ssm)/i
// S3 general-purpose bucket naming rules.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const IP_LIKE = /^\d+\.\d+\.\d+\.\d+$/
const QUEUE_ARN =
  /^arn:aws[a-z-]*:batch:[a-z0-9-]+:\d{12}:job-queue\/[\w-]{1,128}$/
const QUEUE_NAME = /^[A-Za-z0-9][\w-]{0,127}$/
const MAX_WAIT_MS = 6 * 3_600_000 // a GitHub-hosted job lives 6 hours

const ROLES: readonly [FlagRole, string][] = [
  ['frontend', INPUTS.frontendFlag],
  ['api', INPUTS.apiFlag],
  ['ingestion', INPUTS.ingestionFlag]
]

function fail(input: string, value: string, accepted: string): never {
  throw new InputError(
    `Input '${input}' is ${JSON.stringify(value)}; expected ${accepted}.`
  )
}

export function parseSettings(
  read: InputReader,
  env: NodeJS.ProcessEnv = process.env
): Settings {
  const mode = parseMode(read(INPUTS.mode))
  const stage = parseStage(read(INPUTS.stage))
  const settings: Settings = {
    mode,
    stage,
    region: parseRegion(read(INPUTS.region), env),
    flags: parseFlags(read, stage),
    mongodbUri: parseMongoUri(read(INPUTS.mongodbUri)),
    parkingLotBucket: parseBucket(INPUTS.parkingLotBucket, read),
    ingestionBucket: parseBucket(INPUTS.ingestionBucket, read),
    batchJobQueue: parseJobQueue(read(INPUTS.batchJobQueue)),
    ...parseTiming(read),
    dryRun: parseBoolean(INPUTS.dryRun, read(INPUTS.dryRun)),
    drain: parseDrain(read),
    maxMaintenanceMs: parseSpan(
      INPUTS.maxMaintenance,
      read(INPUTS.maxMaintenance),
      60,
      30
    ),
    allowMixedStages: parseBoolean(
      INPUTS.allowMixedStages,
      read(INPUTS.allowMixedStages)
    ),
    timeoutMs: parseSpan(INPUTS.timeout, read(INPUTS.timeout), 1),
    reportPath: read(INPUTS.reportPath).trim() || undefined,
    ...parseBarrierAndSessions(read)
  }
  refuseSameBucket(settings)
  return settings
}

// Caught here when both names are inputs, so that no call is made; names
// read from SSM are checked again by exit itself.
function refuseSameBucket(settings: Settings): void {
  const { parkingLotBucket: lot, ingestionBucket: ingestion } = settings
  if (settings.mode !== 'exit' || !lot || lot !== ingestion) return
  fail(
    INPUTS.ingestionBucket,
    ingestion,
    `a bucket other than '${INPUTS.parkingLotBucket}'`
  )
}

export function parseMode(value: string): Mode {
  const mode = value.trim()
  if ((MODES as readonly string[]).includes(mode)) return mode as Mode
  return fail(INPUTS.mode, value, `one of ${MODES.join(', ')}`)
}

function parseStage(value: string): string {
  const stage = value.trim()
  if (STAGE.test(stage)) return stage
  return fail(INPUTS.stage, value, 'lower-case letters, digits and dashes')
}

function parseRegion(value: string, env: NodeJS.ProcessEnv): string {
  const region =
    value.trim() || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-west-2'
  if (REGION.test(region)) return region
  return fail(INPUTS.region, region, 'an AWS region such as us-west-2')
}

function parseFlags(read: InputReader, stage: string): FlagSpec[] {
  const flags: FlagSpec[] = []
  for (const [role, input] of ROLES) {
    const name = read(input).trim().replaceAll('{stage}', stage)
    if (name === '') continue
    if (!SSM_NAME.test(name) || SSM_RESERVED.test(name)) {
      fail(input, name, 'an SSM parameter name of letters, digits and _.-/')
    }
    flags.push({ role, name })
  }
  flags.forEach((flag, index) => {
    const first = flags.findIndex((other) => other.name === flag.name)
    if (first === index) return
    const input = ROLES.find(([role]) => role === flag.role)![1]
    const other = ROLES.find(([role]) => role === flags[first]!.role)![1]
    fail(input, flag.name, `a parameter of its own, not that of '${other}'`)
  })
  return flags
}

function parseBarrierAndSessions(read: InputReader) {
  const given = (input: string) => ({ input, value: read(input) })
  return {
    probes: parseProbes(read, [
      ['frontend', INPUTS.frontendProbe],
      ['api', INPUTS.apiProbe],
      ['ingestion', INPUTS.ingestionProbe]
    ]),
    probeTimeoutMs: parseSpan(
      INPUTS.probeTimeout,
      read(INPUTS.probeTimeout),
      1
    ),
    statusObject: parseStatusObject(
      given(INPUTS.statusObject),
      given(INPUTS.statusMessage),
      given(INPUTS.expectedEnd)
    ),
    signOut: parseSignOut(
      given(INPUTS.signOutUserPool),
      given(INPUTS.signOutRate)
    )
  }
}

function parseMongoUri(value: string): string | undefined {
  const uri = value.trim()
  if (uri === '') return undefined
  // The value may hold a password: the message never repeats it.
  const problem = mongoUriShapeProblem(uri)
  if (problem) throw mongoUriError(problem)
  return uri
}

function mongoUriError(problem: string): InputError {
  return new InputError(
    `Input '${INPUTS.mongodbUri}' cannot be used: ${problem}; value not shown.`
  )
}

/**
 * The driver's own parse of a given URI, for the modes that use it. Async
 * because the driver is loaded on demand; still before any call.
 */
export async function checkMongoUriInput(settings: Settings): Promise<void> {
  if (!settings.mongodbUri || settings.mode === 'exit') return
  const problem = await mongoUriProblem(settings.mongodbUri)
  if (problem) throw mongoUriError(problem)
}

function parseBucket(input: string, read: InputReader): string | undefined {
  const bucket = read(input).trim()
  if (bucket === '') return undefined
  if (BUCKET.test(bucket) && !IP_LIKE.test(bucket) && !bucket.includes('..')) {
    return bucket
  }
  return fail(input, bucket, 'an S3 bucket name (3-63 of a-z 0-9 . -)')
}

function parseJobQueue(value: string): string | undefined {
  const queue = value.trim()
  if (queue === '') return undefined
  if (QUEUE_ARN.test(queue) || QUEUE_NAME.test(queue)) return queue
  return fail(INPUTS.batchJobQueue, queue, 'a job queue name or ARN')
}

function parseTiming(read: InputReader) {
  return {
    staleAfterMs: parseSpan(INPUTS.staleAfter, read(INPUTS.staleAfter), 1, 30),
    waitTimeoutMs: parseSpan(INPUTS.waitTimeout, read(INPUTS.waitTimeout), 0),
    pollIntervalMs: parseSpan(INPUTS.pollInterval, read(INPUTS.pollInterval), 1)
  }
}

/** A duration between minSeconds and maxDays (6 hours by default). */
function parseSpan(
  input: string,
  text: string,
  minSeconds: number,
  maxDays?: number
): number {
  const ms = parseDuration(text)
  const maxMs = maxDays === undefined ? MAX_WAIT_MS : maxDays * 86_400_000
  if (ms !== undefined && ms >= minSeconds * 1_000 && ms <= maxMs) return ms
  const least = minSeconds > 0 ? `at least ${minSeconds}s and ` : ''
  const most = maxDays === undefined ? '6h' : `${maxDays}d`
  return fail(
    input,
    text,
    `a duration such as 90s, 15m or 2h, ${least}at most ${most}`
  )
}

function parseDrain(read: InputReader): DrainSettings {
  const span = (input: string) => parseSpan(input, read(input), 0)
  return {
    settleTimeMs: span(INPUTS.settleTime),
    concurrency: parseWhole(
      INPUTS.concurrency,
      read(INPUTS.concurrency),
      1,
      100
    ),
    maxRate: parseWhole(INPUTS.maxRate, read(INPUTS.maxRate), 0, 10_000),
    resumeTimeoutMs: span(INPUTS.resumeTimeout)
  }
}

function parseWhole(input: string, value: string, min: number, max: number) {
  const text = value.trim()
  const n = Number(text)
  if (/^\d+$/.test(text) && n >= min && n <= max) return n
  return fail(input, value, `a whole number from ${min} to ${max}`)
}

function parseBoolean(input: string, value: string): boolean {
  const text = value.trim().toLowerCase()
  if (text === 'true') return true
  if (text === 'false' || text === '') return false
  return fail(input, value, 'true or false')
}
