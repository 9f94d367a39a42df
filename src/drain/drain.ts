// Moves parked images back into the ingestion bucket, batch-aware, at one
// request per object: a server-side CopyObject confirmed by its own
// answer. Listing, the guard's checks and deletes are per 1,000 keys.
//
// The order of a move: copy → wait until ingest-image has taken the copy
// (it left the ingestion bucket) → check the parking lot for a bounced
// copy → delete the original from the parking lot. Nothing is deleted
// before that, so a run that stops at any point leaves at worst a copy in
// both buckets: moved again by the next exit, it lands in the dead-letter
// bucket as DUPLICATE_IMAGE and harms nothing.
import * as core from '@actions/core'
import type { AwsClients } from '../clients'
import { errorMessage } from '../errors'
import { plural } from '../modes/steps'
import { sleepUnlessAborted } from '../abort'
import { decide, QueueExistence } from './decide'
import { second, settleBatch, type Batch, type GuardDeps } from './guard'
import { preferSmallHeap } from './heap'
import { listPages } from './listing'
import { copyConfirmed, deleteKeys, DELETE_LIMIT, stillListed } from './move'
import { Pool, Rate } from './pace'
import { startProgress, type Progress } from './progress'
import { Spool } from './spool'
import type { DrainPlan, DrainResult, Parked } from './types'

// Between two pages of the counting pass: 100,000 objects are counted in
// about 20 s, while the drain moves some 500 a second.
const COUNT_PAUSE_MS = 200

// Keys the XML of a DeleteObjects request carries as character
// references or cannot carry at all (control characters, NEL, LS, PS): a
// server that reads them wrongly deletes nothing and, in Quiet mode,
// still reports success. Only batches with such a key pay for a check.
// eslint-disable-next-line no-control-regex -- control characters are the point
const GARBLED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u

// Batches copied but not yet settled: bounds memory (and how far copies
// run ahead of ingest-image) to a few thousand keys.
const MAX_UNSETTLED = 4

// Under max-rate a batch is also sealed when it has been open this long,
// so that a drain slowed on purpose deletes its originals as it goes: a
// hard kill then leaves only the last seconds' copies in both buckets.
// Not at full speed: smaller batches cost more listing requests per image
// (measured: 1.024 requests per image at about 40 images a second).
const SEAL_AFTER_MS = 5_000

// How far this runner's clock may be behind S3's for readyToCopy's wait.
const CLOCK_MARGIN_MS = 250

export interface DrainClock {
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
}

type Verdict = 'ingested' | 'bounced' | 'not-resumed' | 'unsure'

/** Fills `result` as it goes, so a drain that stops still reports. */
export async function drainParkingLot(
  plan: DrainPlan,
  aws: AwsClients,
  result: DrainResult,
  clock: DrainClock
): Promise<void> {
  preferSmallHeap()
  const spool = new Spool(result)
  const progress = startProgress(result)
  const started = Date.now()
  try {
    await new Drain(plan, aws, spool, result, clock, progress).run()
  } finally {
    progress.stop()
    result.seconds = (Date.now() - started) / 1_000
    await spool.close()
  }
}

class Drain {
  private readonly queues: QueueExistence
  private readonly pool: Pool
  private readonly rate: Rate
  private readonly guard: GuardDeps
  private batch:
    | (Batch & { copies: Promise<void>[]; size: number; openedAt: number })
    | null = null
  private readonly unsettled: Promise<void>[] = []
  private canaryDone = false
  private previousKey = ''
  private failure: unknown

  constructor(
    private readonly plan: DrainPlan,
    private readonly aws: AwsClients,
    private readonly spool: Spool,
    private readonly result: DrainResult,
    private readonly clock: DrainClock,
    progress: Progress
  ) {
    this.queues = new QueueExistence(plan.stage, aws)
    this.pool = new Pool(plan.concurrency)
    this.rate = new Rate(plan.maxRate, clock.sleep)
    this.guard = {
      s3: aws.s3,
      parkingLot: plan.parkingLot,
      ingestion: plan.ingestion,
      timeoutMs: plan.resumeTimeoutMs,
      sleep: clock.sleep,
      now: Date.now,
      signal: plan.signal
    }
    progress.inFlight = () => this.pool.active
    void this.count(progress, clock.sleep)
  }

  async run(): Promise<void> {
    try {
      await this.walk()
    } finally {
      // Also when the listing failed: copies already made are settled
      // (and reported) before the drain's result is read.
      this.seal()
      await Promise.allSettled(this.unsettled)
    }
    if (this.failure) throw this.failure
  }

  private async walk(): Promise<void> {
    const pages = listPages(this.aws.s3, this.plan.parkingLot)
    for await (const page of pages) {
      for (const object of page) {
        if (this.plan.signal?.aborted) this.stop('the run was stopped')
        if (this.result.stopped) return
        await this.handle(object)
        this.previousKey = object.key
      }
    }
  }

  private async handle(object: Parked): Promise<void> {
    let decision
    try {
      decision = await decide(object, this.queues)
    } catch (error) {
      // Unknown whether its batch can still be inferred: leave it parked.
      this.spool.failed({ key: object.key, error: errorMessage(error) })
      return
    }
    core.debug(
      `${object.key}: ${decision.action === 'hold' ? decision.reason : 'move'}`
    )
    if (decision.action === 'hold') {
      const { reason, batchId } = decision
      this.spool.held({ key: object.key, reason, ...(batchId && { batchId }) })
    } else if (this.plan.dryRun) {
      this.spool.moved(object.key, object.size)
    } else if (!this.canaryDone) {
      await this.canary(object)
    } else {
      await this.copy(object)
    }
  }

  // The first image goes alone and the drain waits for ingest-image's
  // verdict on it: if ingestion is still in maintenance, one image bounces
  // instead of a thousand Lambda invocations being wasted.
  private async canary(object: Parked): Promise<void> {
    if (!(await this.readyToCopy(object))) return
    const { parkingLot, ingestion } = this.plan
    const copy = await copyConfirmed(object, parkingLot, ingestion, this.aws.s3)
    if (copy.error !== undefined) {
      // Not a verdict on ingestion: the next image is the canary.
      this.spool.failed({ key: object.key, error: copy.error })
      return
    }
    this.canaryDone = true
    const batch = {
      startAfter: this.previousKey,
      last: object.key,
      confirmed: [{ ...object, copiedAt: copy.copiedAt }]
    }
    const outcome = await this.settle(batch)
    core.info(`Canary ${object.key}: ${outcome}`)
    // No verdict on ingestion either way: the next image is the canary.
    if (outcome === 'unsure') {
      this.canaryDone = false
      return
    }
    this.result.canary = { key: object.key, outcome }
  }

  private async copy(object: Parked): Promise<void> {
    while (this.unsettled.length >= MAX_UNSETTLED) {
      await this.unsettled.shift()
    }
    await this.rate.take()
    if (!(await this.readyToCopy(object))) return
    const batch = (this.batch ??= {
      startAfter: this.previousKey,
      last: object.key,
      confirmed: [],
      copies: [],
      size: 0,
      openedAt: Date.now()
    })
    batch.last = object.key
    batch.size++
    const { parkingLot, ingestion } = this.plan
    const { done } = await this.pool.start(async () => {
      // A stop while this waited for a slot: it stays parked, untouched.
      if (this.plan.signal?.aborted) return
      const copy = await copyConfirmed(
        object,
        parkingLot,
        ingestion,
        this.aws.s3
      )
      if (copy.error !== undefined) {
        this.spool.failed({ key: object.key, error: copy.error })
      } else batch.confirmed.push({ ...object, copiedAt: copy.copiedAt })
    })
    batch.copies.push(done)
    const old =
      this.plan.maxRate > 0 && Date.now() - batch.openedAt >= SEAL_AFTER_MS
    if (batch.size >= DELETE_LIMIT || old) this.seal()
  }

  // False once the run is stopped: the object stays parked, untouched.
  // An image parked within the last second waits: its copy must land in
  // a later second than the original (LastModified has whole seconds), or
  // the guard could not tell a bounce from the original. The margin covers
  // a small skew between this clock and S3's; a larger one makes the
  // guard unsure (the original is then kept), never wrong.
  private async readyToCopy(object: Parked): Promise<boolean> {
    const ready = (second(object.modified) + 1) * 1_000 + CLOCK_MARGIN_MS
    const wait = ready - Date.now()
    if (wait > 0) {
      core.debug(`${object.key}: parked just now, waiting ${wait} ms`)
      await sleepUnlessAborted(this.clock.sleep, wait, this.plan.signal)
    }
    return !this.plan.signal?.aborted
  }

  private seal(): void {
    const batch = this.batch
    if (!batch) return
    this.batch = null
    const previous = this.unsettled.at(-1) ?? Promise.resolve()
    const settled = Promise.all([previous, ...batch.copies])
      .then(() => this.settle(batch))
      .then(
        () => undefined,
        (error: unknown) => {
          this.failure ??= error
          this.stop(`the guard could not check: ${errorMessage(error)}`)
        }
      )
    this.unsettled.push(settled)
  }

  /** Waits for ingest-image's verdict on a batch, then deletes. */
  private async settle(batch: Batch): Promise<Verdict> {
    if (batch.confirmed.length === 0) return 'ingested'
    const { ingested, bounced, stuck, unsure } = await settleBatch(
      batch,
      this.guard
    )
    const keys = ingested.map((o) => o.key)
    const errors = await deleteKeys(keys, this.plan.parkingLot, this.aws.s3)
    const left = await this.stillParked(
      batch,
      keys.filter((key) => !errors.has(key) && GARBLED.test(key))
    )
    for (const object of ingested) {
      const error =
        errors.get(object.key) ??
        (left.has(object.key)
          ? 'S3 reported it deleted, but it is still listed'
          : undefined)
      if (!error) this.spool.moved(object.key, object.size)
      else
        this.spool.failed({
          key: object.key,
          error: `copied and ingested, not deleted from the parking lot: ${error}`
        })
    }
    for (const object of stuck) this.spool.notResumed(object.key)
    for (const object of unsure) {
      this.spool.failed({
        key: object.key,
        error:
          'copied in the same second it was parked, so a bounce could not be ruled out: left parked, run exit again'
      })
    }
    this.result.bounced.push(...bounced.map((o) => o.key))
    if (bounced.length > 0) {
      this.stop(
        `${plural(bounced.length, 'moved image')} came back into the parking lot: ingestion is still in maintenance`
      )
      return 'bounced'
    }
    if (stuck.length > 0) {
      this.stop(
        `${plural(stuck.length, 'copy', 'copies')} still in the ingestion bucket after resume-timeout: ingestion has not resumed`
      )
      return 'not-resumed'
    }
    if (unsure.length > 0 && ingested.length === 0) return 'unsure'
    return 'ingested'
  }

  // A check that cannot list leaves S3's word standing: at worst the
  // original stays parked and the next exit copies it again, which
  // ingest-image rejects as DUPLICATE_IMAGE.
  private async stillParked(
    batch: Batch,
    deleted: string[]
  ): Promise<Set<string>> {
    try {
      const { parkingLot } = this.plan
      const { startAfter, last } = batch
      return await stillListed(
        deleted,
        parkingLot,
        startAfter,
        last,
        this.aws.s3
      )
    } catch (error) {
      core.warning(
        `Could not check that ${plural(deleted.length, 'deleted key')} left the parking lot: ${errorMessage(error)}`
      )
      return new Set()
    }
  }

  private stop(reason: string): void {
    if (this.result.stopped) return
    this.result.stopped = reason
    core.info(`Drain stops moving: ${reason}`)
  }

  // A counting pass for the progress line's time left: one more listing
  // request per 1,000 objects, no keys kept. Paced: at full speed it
  // parsed 100 pages in the first 10 s of a 100,000-object drain, and
  // their response bodies (garbage, collected only once V8's external
  // memory allowance ran out) lifted RSS by ~25 MB that malloc never gave
  // back (measured, docs/benchmark.md).
  private async count(
    progress: Progress,
    sleep: (ms: number) => Promise<void>
  ): Promise<void> {
    let total = 0
    try {
      for await (const page of listPages(this.aws.s3, this.plan.parkingLot)) {
        total += page.length
        if (this.result.stopped) return
        await sleep(COUNT_PAUSE_MS)
      }
      progress.total = total
    } catch (error) {
      core.debug(`Counting the parking lot failed: ${errorMessage(error)}`)
    }
  }
}
