// Plays Animl's ingest-image Lambda: for every object created in the
// ingestion bucket it reads the ingestion flag (through a cache, like a
// warm Lambda container keeps its config) and either parks the object
// (copy to the parking lot, then delete from ingestion, in that order as
// Animl does) or ingests it (reads it, records it, deletes it). It talks
// to fauxqs directly, not through the counting proxy, so its requests are
// not counted against the tool under test.
import { createHash } from 'node:crypto'
import type { RawS3 } from './raw-s3'

export interface IngestedImage {
  md5: string
  size: number
  contentType: string | undefined
  metadata: Record<string, string>
}

export interface IngestImageOptions {
  /** Straight to fauxqs, not through the counting proxy. */
  s3: RawS3
  ingestionBucket: string
  parkingLotBucket: string
  /** Reads the flag's current value from SSM (the stand-in's map). */
  readFlag: () => string | undefined
  flagCacheSeconds: number
  /** Images handled at once (Animl reserves 100 for ingest-image). */
  concurrency?: number
  now?: () => number
}

export interface IngestImage {
  /** Ingested keys, in the order they were ingested. */
  ingested: Map<string, IngestedImage>
  /** Keys parked because the flag (as cached) said maintenance. */
  parked: string[]
  errors: string[]
  notify(bucket: string, key: string): void
  /** Resolves once every event received so far has been handled. */
  idle(): Promise<void>
}

const IMAGE = /\.(jpe?g|png)$/i

export function startIngestImage(o: IngestImageOptions): IngestImage {
  const now = o.now ?? Date.now
  const limit = o.concurrency ?? 32
  const queue: string[] = []
  let running = 0
  // A warm container: it read the flag when the sandbox started.
  let cached = { value: o.readFlag(), at: now() }
  let waiters: (() => void)[] = []

  const inMaintenance = () => {
    const fresh = cached && now() - cached.at < o.flagCacheSeconds * 1_000
    if (!fresh) cached = { value: o.readFlag(), at: now() }
    return cached.value === 'true'
  }

  const handleOne = async (key: string) => {
    if (inMaintenance()) {
      await o.s3.copy(o.ingestionBucket, key, o.parkingLotBucket)
      await o.s3.delete(o.ingestionBucket, key)
      sim.parked.push(key)
      return
    }
    const got = await o.s3.get(o.ingestionBucket, key)
    await o.s3.delete(o.ingestionBucket, key)
    sim.ingested.set(key, {
      md5: createHash('md5').update(got.body).digest('hex'),
      size: got.body.length,
      contentType: got.contentType,
      metadata: got.metadata
    })
  }

  const pump = () => {
    while (running < limit && queue.length > 0) {
      const key = queue.shift()!
      running++
      handleOne(key)
        .catch((e: unknown) => sim.errors.push(`${key}: ${String(e)}`))
        .finally(() => {
          running--
          pump()
        })
    }
    if (running === 0 && queue.length === 0) {
      const done = waiters
      waiters = []
      for (const w of done) w()
    }
  }

  const sim: IngestImage = {
    ingested: new Map(),
    parked: [],
    errors: [],
    notify(bucket, key) {
      // Any other file is ignored and stays; zips would start a Batch job,
      // which the sandbox does not play. TODO: submit a process-batch job
      // for batch-<uuid>.zip once a scenario needs it.
      if (bucket !== o.ingestionBucket || !IMAGE.test(key)) return
      queue.push(key)
      pump()
    },
    idle: () =>
      running === 0 && queue.length === 0
        ? Promise.resolve()
        : new Promise((done) => waiters.push(done))
  }
  return sim
}
