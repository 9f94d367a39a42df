// A scenario: one Animl stage at one moment, as data (format in
// scenarios/README.md). This module reads and validates one, and shifts it
// to the present so the ages it describes stay as written.
import { readFileSync } from 'node:fs'
import { EJSON, type Document } from 'bson'

export type SsmType = 'String' | 'SecureString'
export const BATCH_STATUSES = [
  'SUBMITTED',
  'PENDING',
  'RUNNABLE',
  'STARTING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED'
] as const
export type BatchStatus = (typeof BATCH_STATUSES)[number]

export interface ScenarioSsmParam {
  type: SsmType
  value: string
}
export interface ScenarioBatchJob {
  jobId: string
  jobName: string
  jobQueue: string
  status: BatchStatus
  createdAt: string // ISO-8601
  task: Record<string, unknown> | null
}
export interface ScenarioQueue {
  name: string
  visible: number
  inFlight: number
}
export interface ScenarioObject {
  key: string
  size: number
  contentType: string
  multipart?: boolean
}
export interface FaultRule {
  service: 's3' | 'sqs' | 'ssm' | 'batch' | 'mongo'
  operation: string // API name, or '*'
  rate: number // 0..1
  fault: 'throttle' | 'error' | 'reset' | 'latency'
  latencyMs?: number
}
export interface ScenarioSandbox {
  ingestFlagCacheSeconds?: number
  apiFlagCacheSeconds?: number
  faults?: { seed: number; rules: FaultRule[] }
}

// Doc is the form of a mongo document: Extended JSON as read from the file,
// or bson Documents (Dates as Date) once shifted.
export interface Scenario<Doc = Record<string, unknown>> {
  description: string
  now: string
  stage: string
  region: string
  ssm: Record<string, ScenarioSsmParam>
  mongo: Record<string, Doc[]>
  batchJobs: ScenarioBatchJob[]
  queues: ScenarioQueue[]
  buckets: Record<string, ScenarioObject[]>
  sandbox?: ScenarioSandbox
}
export type ShiftedScenario = Scenario<Document>

// S3 refuses a multipart upload whose first part is under 5 MiB.
export const MIN_PART_SIZE = 5 * 1024 * 1024

export function readScenario(path: string): Scenario {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new Error(`${path}: cannot read scenario: ${(e as Error).message}`, {
      cause: e
    })
  }
  return validateScenario(raw, path)
}

// A tiny checker: each failure names the path of the offending field.
class Check {
  constructor(private readonly file: string) {}
  fail(at: string, what: string): never {
    throw new Error(`${this.file}: ${at}: ${what}`)
  }
  object(v: unknown, at: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.fail(at, 'expected an object')
    return v as Record<string, unknown>
  }
  array(v: unknown, at: string): unknown[] {
    if (!Array.isArray(v)) this.fail(at, 'expected an array')
    return v
  }
  string(v: unknown, at: string): string {
    if (typeof v !== 'string') this.fail(at, 'expected a string')
    return v
  }
  count(v: unknown, at: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      this.fail(at, 'expected a whole number ≥ 0')
    return v
  }
  date(v: unknown, at: string): string {
    const s = this.string(v, at)
    if (Number.isNaN(Date.parse(s))) this.fail(at, `not an ISO date: ${s}`)
    return s
  }
  oneOf<T extends string>(v: unknown, allowed: readonly T[], at: string): T {
    if (!allowed.includes(v as T))
      this.fail(at, `expected one of ${allowed.join(', ')}`)
    return v as T
  }
}

export function validateScenario(raw: unknown, file = 'scenario'): Scenario {
  const c = new Check(file)
  const s = c.object(raw, '(top level)')
  c.string(s.description, 'description')
  c.date(s.now, 'now')
  if (!/^[a-z0-9-]+$/.test(c.string(s.stage, 'stage')))
    c.fail('stage', 'expected [a-z0-9-]+')
  c.string(s.region, 'region')
  for (const [name, p] of Object.entries(c.object(s.ssm, 'ssm'))) {
    const param = c.object(p, `ssm["${name}"]`)
    c.oneOf(param.type, ['String', 'SecureString'], `ssm["${name}"].type`)
    c.string(param.value, `ssm["${name}"].value`)
  }
  for (const [name, docs] of Object.entries(c.object(s.mongo, 'mongo')))
    c.array(docs, `mongo.${name}`).forEach((d, i) =>
      c.object(d, `mongo.${name}[${i}]`)
    )
  c.array(s.batchJobs, 'batchJobs').forEach((j, i) => checkJob(c, j, i))
  c.array(s.queues, 'queues').forEach((q, i) => {
    const queue = c.object(q, `queues[${i}]`)
    c.string(queue.name, `queues[${i}].name`)
    c.count(queue.visible, `queues[${i}].visible`)
    c.count(queue.inFlight, `queues[${i}].inFlight`)
  })
  for (const [name, objs] of Object.entries(c.object(s.buckets, 'buckets')))
    c.array(objs, `buckets["${name}"]`).forEach((o, i) =>
      checkObject(c, o, `buckets["${name}"][${i}]`)
    )
  if (s.sandbox !== undefined) checkSandbox(c, s.sandbox)
  return s as unknown as Scenario
}

function checkJob(c: Check, j: unknown, i: number): void {
  const job = c.object(j, `batchJobs[${i}]`)
  for (const f of ['jobId', 'jobName', 'jobQueue'])
    c.string(job[f], `batchJobs[${i}].${f}`)
  c.oneOf(job.status, BATCH_STATUSES, `batchJobs[${i}].status`)
  c.date(job.createdAt, `batchJobs[${i}].createdAt`)
  if (job.task !== null) c.object(job.task, `batchJobs[${i}].task`)
}

function checkObject(c: Check, o: unknown, at: string): void {
  const obj = c.object(o, at)
  c.string(obj.key, `${at}.key`)
  const size = c.count(obj.size, `${at}.size`)
  // fauxqs answers 415 to a PUT whose type is not `type/subtype`.
  if (
    !/^[\w.+-]+\/[\w.+-]+/.test(c.string(obj.contentType, `${at}.contentType`))
  )
    c.fail(`${at}.contentType`, 'expected a MIME type such as image/jpeg')
  if (obj.multipart === undefined) return
  if (typeof obj.multipart !== 'boolean')
    c.fail(`${at}.multipart`, 'expected true or false')
  if (obj.multipart && size <= MIN_PART_SIZE)
    c.fail(`${at}.size`, 'a multipart object needs more than 5 MiB')
}

function checkSandbox(c: Check, v: unknown): void {
  const sb = c.object(v, 'sandbox')
  if (sb.ingestFlagCacheSeconds !== undefined)
    c.count(sb.ingestFlagCacheSeconds, 'sandbox.ingestFlagCacheSeconds')
  if (sb.apiFlagCacheSeconds !== undefined)
    c.count(sb.apiFlagCacheSeconds, 'sandbox.apiFlagCacheSeconds')
  if (sb.faults === undefined) return
  const faults = c.object(sb.faults, 'sandbox.faults')
  if (typeof faults.seed !== 'number') c.fail('sandbox.faults.seed', 'number')
  c.array(faults.rules, 'sandbox.faults.rules').forEach((r, i) => {
    const at = `sandbox.faults.rules[${i}]`
    const rule = c.object(r, at)
    c.oneOf(
      rule.service,
      ['s3', 'sqs', 'ssm', 'batch', 'mongo'],
      `${at}.service`
    )
    c.string(rule.operation, `${at}.operation`)
    const rate = rule.rate
    if (typeof rate !== 'number' || rate < 0 || rate > 1)
      c.fail(`${at}.rate`, 'expected a number in 0..1')
    c.oneOf(
      rule.fault,
      ['throttle', 'error', 'reset', 'latency'],
      `${at}.fault`
    )
    if (rule.latencyMs !== undefined) c.count(rule.latencyMs, `${at}.latencyMs`)
  })
}

// Moves the scenario to `now`: every date moves by the same amount, so a
// batch that was "10 minutes old" at s.now is 10 minutes old now.
export function shiftScenario(s: Scenario, now = new Date()): ShiftedScenario {
  const delta = now.getTime() - Date.parse(s.now)
  const shift = (iso: string) => new Date(Date.parse(iso) + delta).toISOString()
  const mongo: Record<string, Document[]> = {}
  for (const [name, docs] of Object.entries(s.mongo)) {
    // Relaxed EJSON turns { $date } into Date and leaves null as null.
    const parsed = EJSON.parse(JSON.stringify(docs), {
      relaxed: true
    }) as Document[]
    mongo[name] = parsed.map((d) => shiftDates(d, delta) as Document)
  }
  return {
    ...structuredClone(s),
    now: now.toISOString(),
    mongo,
    batchJobs: s.batchJobs.map((j) => ({
      ...structuredClone(j),
      createdAt: shift(j.createdAt)
    }))
  }
}

function shiftDates(v: unknown, delta: number): unknown {
  if (v instanceof Date) return new Date(v.getTime() + delta)
  if (Array.isArray(v)) return v.map((x) => shiftDates(x, delta))
  // Only plain objects are walked; bson values (ObjectId, Long…) are kept.
  if (v !== null && typeof v === 'object' && isPlain(v)) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) out[k] = shiftDates(x, delta)
    return out
  }
  return v
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

export function mongoUriFor(hostPort: string): string {
  return `mongodb://${hostPort}/animl`
}

// SSM values may point at the sandbox's MongoDB, whose port is known only
// once it has started.
export function fillSsmPlaceholders(
  ssm: Record<string, ScenarioSsmParam>,
  mongoHostPort: string
): Record<string, ScenarioSsmParam> {
  const out: Record<string, ScenarioSsmParam> = {}
  for (const [name, p] of Object.entries(ssm))
    out[name] = {
      type: p.type,
      value: p.value
        .replaceAll('{{mongodb-uri}}', mongoUriFor(mongoHostPort))
        .replaceAll('{{mongodb-host}}', mongoHostPort)
    }
  return out
}

// A scenario whose URI carries credentials (`mongodb://user:pass@
// {{mongodb-host}}/animl`) makes the sandbox's MongoDB demand that login.
export function mongoCredentials(
  ssm: Record<string, ScenarioSsmParam>
): { username: string; password: string } | undefined {
  for (const p of Object.values(ssm)) {
    const m = /^mongodb:\/\/([^:@/]+):([^@/]*)@\{\{mongodb-host\}\}/.exec(
      p.value
    )
    if (m) {
      return {
        username: decodeURIComponent(m[1] ?? ''),
        password: decodeURIComponent(m[2] ?? '')
      }
    }
  }
  return undefined
}
