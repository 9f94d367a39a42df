// The drain's shapes: what it is asked to do and what it reports.
export type HoldReason = 'folder-marker' | 'unsupported' | 'orphaned-batch'

export interface DrainPlan {
  readonly stage: string
  readonly parkingLot: string
  readonly ingestion: string
  readonly dryRun: boolean
  /** Copies in flight at once. */
  readonly concurrency: number
  /** Objects per second at most; 0 means no cap. */
  readonly maxRate: number
  /** How long moved copies may take to leave the ingestion bucket. */
  readonly resumeTimeoutMs: number
  /** Where the moved/held/failed lists are spooled. */
  readonly spoolDir: string
  /** Aborted on a stop: no new copy; in-flight ones finish and settle. */
  readonly signal?: AbortSignal
}

/** One object of the parking-lot listing. */
export interface Parked {
  readonly key: string
  readonly size: number
  readonly etag: string
  /** LastModified in ms: a bounced copy is newer than the listed one. */
  readonly modified: number
}

export interface HeldEntry {
  key: string
  reason: HoldReason
  batchId?: string
}

export interface FailedEntry {
  key: string
  error: string
}

/** Counts and bounded samples; the full lists live in the spool files. */
export interface DrainResult {
  moved: number
  bytesMoved: number
  held: Record<HoldReason, number>
  failed: number
  /** First SAMPLE held keys per reason. */
  heldSample: HeldEntry[]
  /** Orphaned images per batch id (one entry per batch, not per image). */
  orphanedBatches: Record<string, number>
  failedSample: FailedEntry[]
  /** Every key that came back into the parking lot after its copy. */
  bounced: string[]
  notResumed: number
  /** First SAMPLE keys still in the ingestion bucket at resume-timeout. */
  notResumedSample: string[]
  canary?: { key: string; outcome: 'ingested' | 'bounced' | 'not-resumed' }
  /** Why moving stopped before the end of the listing, if it did. */
  stopped?: string
  /**
   * Objects in the parking lot after the drain beyond those it left there:
   * parked while it ran, by a reader that still had the flag cached.
   */
  parkedDuring?: number
  seconds: number
  spool: { moved: string; held: string; failed: string }
}

export const SAMPLE = 500
