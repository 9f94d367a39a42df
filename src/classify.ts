// Decides, for each unfinished batch and each in-flight zip job, whether it
// blocks maintenance. Pure: every input is read beforehand, so the rules
// are tested on their own.
import type { InFlightJob } from './sources/batch-jobs'
import type { BatchRecord } from './sources/batch-records'
import type { QueueDepth } from './sources/batch-queues'

export type Phase =
  'uploading' | 'starting' | 'unzipping' | 'inferring' | 'stopping' | 'unknown'

export type Status = 'blocking' | 'stalled' | 'failed'

export interface Finding {
  /** The batch id, or the job id of a job with no batch record. */
  readonly id: string
  readonly phase: Phase
  readonly status: Status
  readonly reason: string
  readonly projectId?: string
  /** The latest of the batch's steps (for a bare job, its creation). */
  readonly lastStepAt?: Date
  readonly queue?: QueueDepth
  readonly jobs: readonly { jobId: string; status: string }[]
}

export interface Observation {
  readonly batches: readonly BatchRecord[]
  readonly withErrors: ReadonlySet<string>
  readonly jobs: readonly InFlightJob[]
  readonly queues: ReadonlyMap<string, QueueDepth>
}

const STEPS = [
  'created',
  'uploadComplete',
  'processingStart',
  'ingestionComplete',
  'stoppingInitiated'
] as const

export function phaseOf(batch: BatchRecord): Phase {
  if (batch.stoppingInitiated) return 'stopping'
  if (!batch.uploadComplete) return 'uploading'
  if (!batch.processingStart) return 'starting'
  if (!batch.ingestionComplete) return 'unzipping'
  return 'inferring'
}

export function lastStepOf(batch: BatchRecord): Date | undefined {
  let latest: Date | undefined
  for (const step of STEPS) {
    const at = batch[step]
    if (at && (!latest || at > latest)) latest = at
  }
  return latest
}

export function classify(
  seen: Observation,
  now: Date,
  staleAfterMs: number
): Finding[] {
  const known = new Set(seen.batches.map((batch) => batch.id))
  const findings = seen.batches.map((batch) =>
    classifyBatch(batch, seen, now, staleAfterMs)
  )
  const strays = seen.jobs.filter(
    (job) => !job.batchId || !known.has(job.batchId)
  )
  return [...findings, ...strays.map(strayJob)]
}

function classifyBatch(
  batch: BatchRecord,
  seen: Observation,
  now: Date,
  staleAfterMs: number
): Finding {
  const jobs = seen.jobs
    .filter((job) => job.batchId === batch.id)
    .map((job) => ({ jobId: job.jobId, status: job.status }))
  const queue = seen.queues.get(batch.id)
  const lastStepAt = lastStepOf(batch)
  const base = {
    id: batch.id,
    phase: phaseOf(batch),
    projectId: batch.projectId,
    lastStepAt,
    queue,
    jobs
  }
  if (jobs.length > 0) {
    const job = jobs[0]!
    return { ...base, status: 'blocking', reason: `zip job ${job.status}` }
  }
  if (seen.withErrors.has(batch.id)) {
    return { ...base, status: 'failed', reason: 'has a batch error' }
  }
  const idle = !queue?.exists || queue.visible + queue.inFlight === 0
  // A record with no date at all cannot be aged: it blocks (fail closed).
  const age = lastStepAt ? now.getTime() - lastStepAt.getTime() : 0
  if (age > staleAfterMs && idle) {
    const why = queue?.exists ? 'queue empty' : 'queue gone'
    return { ...base, status: 'stalled', reason: `no progress, ${why}` }
  }
  return {
    ...base,
    status: 'blocking',
    reason: blockingReason(base.phase, queue)
  }
}

function blockingReason(phase: Phase, queue: QueueDepth | undefined): string {
  if (queue?.exists && queue.visible + queue.inFlight > 0) {
    return `${queue.visible + queue.inFlight} messages in its queue`
  }
  return `${phase}, recent activity`
}

// A zip job whose batch has no unfinished record may still write images:
// it blocks, listed by its job id.
function strayJob(job: InFlightJob): Finding {
  const reason = job.batchId
    ? `zip job ${job.status} for ${job.batchId}, which has no unfinished record`
    : `zip job ${job.status} whose TASK names no batch`
  return {
    id: job.jobId,
    phase: 'unknown',
    status: 'blocking',
    reason,
    lastStepAt: job.createdAt,
    jobs: [{ jobId: job.jobId, status: job.status }]
  }
}
