// The propagation barrier. A flag written to SSM is not yet a flag in
// effect: every reader caches its config (a warm Lambda container keeps
// it). A probe is one HTTP request whose answer shows whether a component
// honours the flag; after each write the gate polls it until it does.
import * as core from '@actions/core'
import { sleepUnlessAborted } from './abort'
import type { CheckDeps } from './check'
import { formatDuration } from './duration'
import { errorMessage, InputError } from './errors'
import type { FlagRole } from './settings'

/** What an answer must show; every field given must hold. */
export interface ProbeExpectation {
  readonly status?: number
  /** Dotted path into the JSON body, `errors.0.extensions.code`. */
  readonly json?: string
  /** The value at `json`, compared as JSON. */
  readonly equals?: unknown
}

export interface ProbeSpec {
  readonly url: string
  readonly method: string
  readonly body?: string
  readonly headers: Readonly<Record<string, string>>
  /** What "in effect" looks like right after the flag was turned on. */
  readonly whenOn?: ProbeExpectation
  /** …and right after it was turned off. */
  readonly whenOff?: ProbeExpectation
}

export type ProbeStatus = 'passed' | 'failed' | 'skipped' | 'pending'

export interface ProbeResult {
  /** `pending`: dry run, the component does not show it yet. */
  status: ProbeStatus
  attempts: number
  seconds: number
  /** The last answer, `status 503, errors.0.extensions.code = "X"`. */
  detail: string
}

export interface BarrierPlan {
  readonly timeoutMs: number
  readonly intervalMs: number
  readonly dryRun: boolean
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']
const KEYS = ['url', 'method', 'body', 'headers', 'whenOn', 'whenOff']
const EXPECT_KEYS = ['status', 'json', 'equals']
// One attempt never outlasts this, so a hung endpoint costs one interval.
const ATTEMPT_MS = 10_000

function problem(input: string, what: string): never {
  // The value is never repeated: headers may carry tokens.
  throw new InputError(
    `Input '${input}' cannot be used: ${what}; value not shown.`
  )
}

/** Parses one probe input (JSON on one line); empty means no probe. */
export function parseProbe(input: string, text: string): ProbeSpec | undefined {
  if (text.trim() === '') return undefined
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return problem(input, 'not JSON')
  }
  if (!isObject(raw)) return problem(input, 'not a JSON object')
  const unknown = Object.keys(raw).find((key) => !KEYS.includes(key))
  if (unknown) problem(input, `unknown field '${unknown}' (known: ${KEYS})`)
  const url = parseUrl(input, raw.url)
  const method = String(raw.method ?? 'GET').toUpperCase()
  if (!METHODS.includes(method)) {
    problem(input, `method must be one of ${METHODS.join(', ')}`)
  }
  if (raw.body !== undefined && typeof raw.body !== 'string') {
    problem(input, 'body must be a string (JSON-encode a GraphQL request)')
  }
  const headers = parseHeaders(input, raw.headers)
  const whenOn = parseExpectation(input, 'whenOn', raw.whenOn)
  const whenOff = parseExpectation(input, 'whenOff', raw.whenOff)
  if (!whenOn && !whenOff) problem(input, 'give whenOn, whenOff or both')
  return { url, method, body: raw.body, headers, whenOn, whenOff }
}

function parseUrl(input: string, value: unknown): string {
  if (typeof value !== 'string') return problem(input, 'url is required')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return problem(input, 'url is not a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problem(input, 'url must be http or https')
  }
  // Credentials in a URL would be printed with it: use a header.
  if (url.username || url.password) {
    problem(input, 'url must not hold credentials; pass them in headers')
  }
  return url.href
}

function parseHeaders(input: string, value: unknown): Record<string, string> {
  if (value === undefined) return {}
  if (!isObject(value)) return problem(input, 'headers must be an object')
  const headers: Record<string, string> = {}
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') problem(input, `header ${name} is not a string`)
    // Header values are treated as secrets: an Authorization token is the
    // usual reason to give one.
    if (v.length > 0) core.setSecret(v)
    headers[name] = v
  }
  return headers
}

function parseExpectation(
  input: string,
  field: string,
  value: unknown
): ProbeExpectation | undefined {
  if (value === undefined) return undefined
  if (!isObject(value)) return problem(input, `${field} must be an object`)
  const unknown = Object.keys(value).find((k) => !EXPECT_KEYS.includes(k))
  if (unknown) problem(input, `unknown field '${field}.${unknown}'`)
  const { status, json, equals } = value
  if (
    status !== undefined &&
    !(Number.isInteger(status) && Number(status) >= 100 && Number(status) < 600)
  ) {
    problem(input, `${field}.status must be an HTTP status`)
  }
  if (json !== undefined && (typeof json !== 'string' || json === '')) {
    problem(input, `${field}.json must be a dotted path`)
  }
  if ((json === undefined) !== (equals === undefined)) {
    problem(input, `${field} needs json and equals together`)
  }
  if (status === undefined && json === undefined) {
    problem(input, `${field} needs status, or json and equals`)
  }
  return {
    ...(status !== undefined && { status: Number(status) }),
    ...(json !== undefined && { json: json as string, equals })
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The value at a dotted path; array indices are numbers. */
export function pick(value: unknown, path: string): unknown {
  let at = value
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined
    at = (at as Record<string, unknown>)[part]
  }
  return at
}

interface Answer {
  ok: boolean
  detail: string
}

/** One request; never throws (a network error is a "not yet"). */
export async function probeOnce(
  spec: ProbeSpec,
  want: ProbeExpectation,
  timeoutMs = ATTEMPT_MS,
  stop?: AbortSignal
): Promise<Answer> {
  let response: Response
  const timeout = AbortSignal.timeout(timeoutMs)
  try {
    response = await fetch(spec.url, {
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
      signal: stop ? AbortSignal.any([timeout, stop]) : timeout
    })
  } catch (error) {
    return { ok: false, detail: `no answer: ${errorMessage(error)}` }
  }
  const text = await response.text().catch(() => '')
  const parts = [`status ${response.status}`]
  let ok = want.status === undefined || response.status === want.status
  if (want.json !== undefined) {
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
    const found = pick(body, want.json)
    const shown = found === undefined ? 'absent' : JSON.stringify(found)
    parts.push(`${want.json} = ${shown.slice(0, 80)}`)
    ok &&= JSON.stringify(found) === JSON.stringify(want.equals)
  }
  return { ok, detail: parts.join(', ') }
}

export function expectationFor(
  spec: ProbeSpec,
  value: 'true' | 'false'
): ProbeExpectation | undefined {
  return value === 'true' ? spec.whenOn : spec.whenOff
}

/**
 * Polls the probe until the component shows the flag's new value, or the
 * timeout passes. In a dry run nothing was written: one attempt says
 * whether the component already shows it.
 */
export async function awaitInEffect(
  role: FlagRole,
  spec: ProbeSpec | undefined,
  value: 'true' | 'false',
  plan: BarrierPlan,
  clock: CheckDeps,
  stop?: AbortSignal
): Promise<ProbeResult> {
  const want = spec && expectationFor(spec, value)
  const state = value === 'true' ? 'on' : 'off'
  if (!spec || !want) {
    const why = spec ? `no ${value === 'true' ? 'whenOn' : 'whenOff'}` : 'none'
    core.info(`Probe ${role}: skipped (${why}); flag assumed in effect`)
    return { status: 'skipped', attempts: 0, seconds: 0, detail: why }
  }
  const started = clock.now().getTime()
  const deadline = started + plan.timeoutMs
  for (let attempts = 1; ; attempts++) {
    const left = deadline - clock.now().getTime()
    const answer = await probeOnce(
      spec,
      want,
      Math.max(1_000, Math.min(ATTEMPT_MS, left)),
      stop
    )
    const seconds = (clock.now().getTime() - started) / 1_000
    const result = { attempts, seconds, detail: answer.detail }
    if (answer.ok) {
      core.info(
        `Probe ${role}: flag ${state} in effect after ${attempts} ${attempts === 1 ? 'try' : 'tries'} (${seconds.toFixed(1)}s; ${answer.detail})`
      )
      return { status: 'passed', ...result }
    }
    if (plan.dryRun) {
      core.info(
        `Dry run: probe ${role} does not show the flag ${state} yet (${answer.detail}); a real run would wait up to ${formatDuration(plan.timeoutMs)}`
      )
      return { status: 'pending', ...result }
    }
    const remaining = deadline - clock.now().getTime()
    if (remaining <= 0 || stop?.aborted) {
      return { status: 'failed', ...result }
    }
    core.debug(`Probe ${role}: not yet (${answer.detail})`)
    const wait = Math.min(plan.intervalMs, remaining)
    // A stopped run gives up waiting; the mode reports the stop.
    if (!(await sleepUnlessAborted(clock.sleep, wait, stop))) {
      return { status: 'failed', ...result }
    }
  }
}

/** The one-line error of a flag that never took effect. */
export function notInEffect(
  role: FlagRole,
  name: string,
  value: 'true' | 'false',
  result: ProbeResult,
  timeoutMs: number
): string {
  const state = value === 'true' ? 'on' : 'off'
  return `Flag ${role} (${name}) was set ${state} but did not take effect within ${formatDuration(timeoutMs)} (probe-timeout): ${result.attempts} ${result.attempts === 1 ? 'try' : 'tries'}, last ${result.detail}`
}

/** Reads the three probe inputs; unknown roles are left out. */
export function parseProbes(
  read: (name: string) => string,
  inputs: readonly (readonly [FlagRole, string])[]
): Partial<Record<FlagRole, ProbeSpec>> {
  const probes: Partial<Record<FlagRole, ProbeSpec>> = {}
  for (const [role, input] of inputs) {
    const spec = parseProbe(input, read(input))
    if (spec) probes[role] = spec
  }
  return probes
}
