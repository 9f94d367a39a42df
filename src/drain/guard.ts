// The bounce-back guard. A copy into the ingestion bucket fires
// ingest-image, which either ingests the image (and deletes it from the
// ingestion bucket) or, if its cached flag still says maintenance, parks
// it again: copies it back into the parking lot, then deletes it from the
// ingestion bucket. So once a copy has left the ingestion bucket,
// ingest-image is done with it, and the parking lot says which way it
// went: a bounced key is there with a LastModified newer than the one the
// drain listed. The drain deletes a key from the parking lot only after
// that verdict, so a bounced image is never deleted (a delete right after
// the copy could remove the bounced copy too, and lose the image).
//
// Cost: per batch of up to 1,000 keys, one listing of the batch's key
// range in each bucket (plus a re-poll of the ingestion range while
// ingest-image catches up), i.e. a few requests per 1,000 objects.
import type { S3Client } from '@aws-sdk/client-s3'
import { listRange } from './listing'
import type { Parked } from './types'

/** Copies confirmed for one contiguous key range of the listing. */
export interface Batch {
  /** The key listed just before the range ('' at the start). */
  readonly startAfter: string
  last: string
  readonly confirmed: Parked[]
}

export interface Settled {
  ingested: Parked[]
  bounced: Parked[]
  /** Still in the ingestion bucket at the deadline. */
  stuck: Parked[]
}

export interface GuardDeps {
  readonly s3: S3Client
  readonly parkingLot: string
  readonly ingestion: string
  readonly timeoutMs: number
  readonly sleep: (ms: number) => Promise<void>
  readonly now: () => number
  /** After a stop, ingest-image gets at most ABORT_WAIT_MS more. */
  readonly signal?: AbortSignal
}

// Short enough to fit the grace a stopped run has (src/abort.ts); copies
// not taken by then stay in both buckets, never deleted.
const ABORT_WAIT_MS = 3_000

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
  const settled: Settled = { ingested: [], bounced: [], stuck }
  for (const object of left) {
    const modified = lot.get(object.key)
    const back = modified !== undefined && modified > object.modified
    settled[back ? 'bounced' : 'ingested'].push(object)
  }
  return settled
}

async function waitUntilLeft(batch: Batch, deps: GuardDeps) {
  const waiting = new Map(batch.confirmed.map((o) => [o.key, o]))
  const left: Parked[] = []
  let stoppedAt: number | undefined
  let deadline = deps.now() + deps.timeoutMs
  let pause = 200
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
