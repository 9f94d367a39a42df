// The in-flight check shared by `check` and `enter`: read every source,
// classify, and with a wait timeout re-evaluate until nothing blocks.
import * as core from '@actions/core'
import { setTimeout as wait } from 'node:timers/promises'
import { sleepUnlessAborted } from './abort'
import type { AwsClients } from './clients'
import { classify, type Finding, type Observation } from './classify'
import { formatDuration } from './duration'
import { batchQueueName } from './keys'
import type { Resources } from './resources'
import type { Settings } from './settings'
import { readInFlightJobs } from './sources/batch-jobs'
import { readQueueDepth, type QueueDepth } from './sources/batch-queues'
import { readBatchRecords } from './sources/batch-records'

export interface CheckResult {
  readonly findings: Finding[]
  readonly blocking: number
  readonly rounds: number
  readonly checkedAt: Date
}

export interface CheckDeps {
  readonly now: () => Date
  /** Resolves after `ms`, or early (and frees its timer) on `signal`. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

export const realClock: CheckDeps = {
  now: () => new Date(),
  // A stopped run must not be held open by a long wait's timer.
  sleep: (ms, signal) => wait(ms, undefined, { signal }).catch(() => undefined)
}

export async function observe(
  settings: Settings,
  resources: Resources,
  aws: AwsClients
): Promise<Observation> {
  const [records, jobs] = await Promise.all([
    readBatchRecords(resources.mongodbUri ?? ''),
    readInFlightJobs(resources.batchJobQueue ?? '', aws)
  ])
  const queues = new Map<string, QueueDepth>()
  for (const batch of records.unfinished) {
    const name = batchQueueName(settings.stage, batch.id)
    queues.set(batch.id, await readQueueDepth(name, aws))
  }
  core.debug(
    `Read ${records.unfinished.length} unfinished batches, ` +
      `${records.withErrors.size} with errors, ${jobs.length} in-flight jobs`
  )
  return {
    batches: records.unfinished,
    withErrors: records.withErrors,
    jobs,
    queues
  }
}

/** Evaluates once, then every poll interval until clear or out of time. */
export async function checkInFlight(
  settings: Settings,
  resources: Resources,
  aws: AwsClients,
  clock: CheckDeps = realClock,
  signal?: AbortSignal
): Promise<CheckResult> {
  const deadline = clock.now().getTime() + settings.waitTimeoutMs
  for (let round = 1; ; round++) {
    const seen = await observe(settings, resources, aws)
    const checkedAt = clock.now()
    const findings = classify(seen, checkedAt, settings.staleAfterMs)
    const blocking = findings.filter((f) => f.status === 'blocking')
    const left = deadline - checkedAt.getTime()
    logRound(round, blocking, left, settings.pollIntervalMs)
    const result = {
      findings,
      blocking: blocking.length,
      rounds: round,
      checkedAt
    }
    if (blocking.length === 0 || left <= 0) return result
    const wait = Math.min(settings.pollIntervalMs, left)
    // A stopped run reports its last round; the mode then fails.
    if (!(await sleepUnlessAborted(clock.sleep, wait, signal))) return result
  }
}

function logRound(
  round: number,
  blocking: Finding[],
  leftMs: number,
  pollMs: number
): void {
  if (blocking.length === 0) {
    core.info(`Round ${round}: nothing in flight`)
    return
  }
  const ids = blocking.map((f) => f.id)
  const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', …' : '')
  const next =
    leftMs > 0
      ? `checking again in ${formatDuration(Math.min(pollMs, leftMs))} (${formatDuration(leftMs)} left)`
      : 'no time left to wait'
  core.info(`Round ${round}: ${blocking.length} blocking (${shown}); ${next}`)
}
