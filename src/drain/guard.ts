// The bounce-back guard. A copy into the ingestion bucket fires
// ingest-image, which either ingests the image (and deletes it from the
// ingestion bucket) or, if its cached flag still says maintenance, parks
// it again: copies it back into the parking lot, then deletes it from the
// ingestion bucket. So once a copy has left the ingestion bucket,
// ingest-image is done with it, and the parking lot says which way it
// went: a bounced key is there with a LastModified newer than the one the
// drain listed. S3 gives LastModified in whole seconds, so "newer" means a
// later second; a copy made in the same second as the original was parked
// cannot be told from its bounce, and its original is never deleted (the
// drain waits out that second before copying a freshly parked image, so
// this is rare). The drain deletes a key from the parking lot only after
// that verdict, so a bounced image is never deleted (a delete right after
// the copy could remove the bounced copy too, and lose the image).
//
// Cost: per batch of up to 1,000 keys, one listing of the batch's key
// range in each bucket (plus a re-poll of the ingestion range while
// ingest-image catches up), i.e. a few requests per 1,000 objects.
import type { S3Client } from '@aws-sdk/client-s3'
import { listRange } from './listing'
import type { Parked } from './types'

/** A parked object whose copy S3 confirmed, and when S3 wrote the copy. */
export type Copied = Parked & { readonly copiedAt: number }

/** Copies confirmed for one contiguous key range of the listing. */
export interface Batch {
  /** The key listed just before the range ('' at the start). */
  readonly startAfter: string
  last: string
  readonly confirmed: Copied[]
}

export interface Settled {
  ingested: Parked[]
  bounced: Parked[]
  /** Still in the ingestion bucket at the deadline. */
  stuck: Parked[]
  /** Copied in the second the original was parked: not decidable. */
  unsure: Parked[]
}

/** Whole seconds, as S3 lists LastModified. */
export function second(ms: number): number {
  return Math.floor(ms / 1_000)
}

export interface GuardDeps {
  readonly s3: S3Client
  readonly parkingLot: string
  readonly ingestion: string
  readonly timeoutMs: number
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly now: () => number
  /** After a stop, ingest-image gets at most ABORT_WAIT_MS more. */
  readonly signal?: AbortSignal
}

// Short enough to fit the grace a stopped run has (src/abort.ts); copies
// not taken by then stay in both buckets, never deleted.
const ABORT_WAIT_MS = 3_000

// Before the first look at the ingestion bucket.
const FIRST_LOOK_MS = 250

export async function settleBatch(
  batch: Batch,
  deps: GuardDeps
): Promise<Settled> {
  const { left, stuck } = await waitUntilLeft(batch, deps)
  const lot = new Map<string, number>()
  if (left.length > 0) {
    const range = await listRange(
      deps.s3,
      deps.parkingLot,
      batch.startAfter,
      batch.last
    )
    for (const object of range) lot.set(object.key, object.modified)
  }
  const settled: Settled = { ingested: [], bounced: [], stuck, unsure: [] }
  for (const object of left) {
    const modified = lot.get(object.key)
    const parked = second(object.modified)
    if (modified !== undefined && second(modified) > parked) {
      settled.bounced.push(object)
    } else if (!(second(object.copiedAt) > parked)) {
      // Also when S3 did not say when it wrote the copy (NaN).
      settled.unsure.push(object)
    } else {
      settled.ingested.push(object)
    }
  }
  return settled
}

async function waitUntilLeft(batch: Batch, deps: GuardDeps) {
  const waiting = new Map(batch.confirmed.map((o) => [o.key, o]))
  const left: Copied[] = []
  let stoppedAt: number | undefined
  let deadline = deps.now() + deps.timeoutMs
  let pause = 250
  // ingest-image needs a moment for the newest copies: listing at once
  // would mostly find them still there and cost a request for nothing.
  if (!deps.signal?.aborted) await deps.sleep(FIRST_LOOK_MS, deps.signal)
  for (;;) {
    if (deps.signal?.aborted) {
      deadline = Math.min(deadline, (stoppedAt ??= deps.now()) + ABORT_WAIT_MS)
    }
    const present = new Set(
      (
        await listRange(deps.s3, deps.ingestion, batch.startAfter, batch.last)
      ).map((o) => o.key)
    )
    for (const [key, object] of waiting) {
      if (present.has(key)) continue
      left.push(object)
      waiting.delete(key)
    }
    if (waiting.size === 0 || deps.now() >= deadline) break
    await deps.sleep(Math.min(pause, Math.max(0, deadline - deps.now())))
    pause = Math.min(pause * 1.5, 2_000)
  }
  return { left, stuck: [...waiting.values()] }
}
