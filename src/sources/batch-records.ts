// Reads the unfinished batches and their errors from Animl's MongoDB.
import type { Document } from 'mongodb'
import { reading, SourceError } from '../errors'
import { mongoUriProblem } from '../mongo-uri'

export interface BatchRecord {
  readonly id: string
  readonly projectId?: string
  readonly user?: string
  readonly originalFile?: string
  readonly total?: number
  readonly created?: Date
  readonly uploadComplete?: Date
  readonly processingStart?: Date
  readonly ingestionComplete?: Date
  readonly processingEnd?: Date
  readonly stoppingInitiated?: Date
}

export interface BatchRecords {
  readonly unfinished: BatchRecord[]
  /** Ids of every batch with a batcherrors document. */
  readonly withErrors: ReadonlySet<string>
}

const DATE_FIELDS = [
  'created',
  'uploadComplete',
  'processingStart',
  'ingestionComplete',
  'processingEnd',
  'stoppingInitiated'
] as const

// Fail within seconds when the server cannot be reached, rather than after
// the driver's 30 s default, so the gate fails closed in bounded time.
const CLIENT_OPTIONS = {
  appName: 'animl-maintenance-gate',
  serverSelectionTimeoutMS: 10_000,
  connectTimeoutMS: 10_000,
  socketTimeoutMS: 60_000,
  maxPoolSize: 2
}

export async function readBatchRecords(uri: string): Promise<BatchRecords> {
  const problem = await mongoUriProblem(uri)
  if (problem)
    throw new SourceError('mongodb', 'the connection string', problem)
  const { MongoClient } = await import('mongodb')
  const client = new MongoClient(uri, CLIENT_OPTIONS)
  try {
    await reading('mongodb', 'the database', () => client.connect())
    const db = client.db()
    // Unfinished is anything whose processingEnd is not a date: absent or
    // null as Animl writes them, or junk from old tools (fail closed). A
    // date that an old tool wrote as a string still counts as finished.
    const docs = await reading('mongodb', 'collection batches', () =>
      db
        .collection('batches')
        .find({ processingEnd: { $not: { $type: 'date' } } })
        .toArray()
    )
    const unfinished = docs.map(toBatchRecord).filter((b) => !b.processingEnd)
    const ids = unfinished.map((batch) => batch.id)
    const errors = await reading('mongodb', 'collection batcherrors', () =>
      db
        .collection('batcherrors')
        .find({ batch: { $in: ids } }, { projection: { batch: 1 } })
        .toArray()
    )
    const withErrors = new Set(errors.map((doc) => String(doc.batch)))
    return { unfinished, withErrors }
  } finally {
    await client.close().catch(() => undefined)
  }
}

export function toBatchRecord(doc: Document): BatchRecord {
  const record: Record<string, unknown> = { id: String(doc._id) }
  for (const field of ['projectId', 'user', 'originalFile'] as const) {
    if (typeof doc[field] === 'string') record[field] = doc[field]
  }
  if (typeof doc.total === 'number') record.total = doc.total
  for (const field of DATE_FIELDS) {
    const date = toDate(doc[field])
    if (date) record[field] = date
  }
  return record as unknown as BatchRecord
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value)
    return Number.isNaN(date.getTime()) ? undefined : date
  }
  return undefined
}
