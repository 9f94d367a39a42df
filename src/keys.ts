// How Animl names things: batch ids inside object keys, per-batch queues,
// and which files ingestion takes.

const BATCH_PREFIX =
  /^batch-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/

const IMAGE = /\.(jpe?g|png)$/i

/** The batch id a key starts with, or null for a plain image. */
export function batchIdOf(key: string): string | null {
  return BATCH_PREFIX.exec(key)?.[0] ?? null
}

export function isIngestible(key: string): boolean {
  return IMAGE.test(key)
}

export function batchQueueName(stage: string, batchId: string): string {
  return `animl-ingest-${stage}-${batchId}`
}

/** A CopySource: the bucket, then each key segment percent-encoded. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
}
