// Moves parked images back into the ingestion bucket, batch-aware. An
// object is deleted from the parking lot only after its copy is confirmed.
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  type _Object
} from '@aws-sdk/client-s3'
import * as core from '@actions/core'
import type { AwsClients } from './clients'
import { errorMessage, reading } from './errors'
import { batchIdOf, batchQueueName, copySource, isIngestible } from './keys'
import { queueUrl } from './sources/batch-queues'

export type HoldReason = 'folder-marker' | 'unsupported' | 'orphaned-batch'

export interface DrainResult {
  moved: { key: string; size: number }[]
  held: { key: string; reason: HoldReason; batchId?: string }[]
  failed: { key: string; error: string }[]
  bytesMoved: number
}

export interface DrainPlan {
  readonly stage: string
  readonly parkingLot: string
  readonly ingestion: string
  readonly dryRun: boolean
  readonly concurrency: number
}

interface Parked {
  readonly key: string
  readonly size: number
  readonly etag: string
}

type Decision =
  { action: 'hold'; reason: HoldReason; batchId?: string } | { action: 'move' }

const DELETE_LIMIT = 1_000

export function emptyDrain(): DrainResult {
  return { moved: [], held: [], failed: [], bytesMoved: 0 }
}

/** Fills `result` as it goes, so a drain that stops still reports. */
export async function drainParkingLot(
  plan: DrainPlan,
  aws: AwsClients,
  result: DrainResult
): Promise<DrainResult> {
  const queues = new QueueExistence(plan.stage, aws)
  const pages = paginateListObjectsV2(
    { client: aws.s3, pageSize: 1_000 },
    { Bucket: plan.parkingLot }
  )
  const listing = `objects of bucket ${plan.parkingLot}`
  for await (const page of readPages(pages, listing)) {
    const objects = (page.Contents ?? []).map(toParked)
    await handlePage(objects, plan, queues, aws, result)
    core.info(
      `Drain: ${result.moved.length} moved, ${result.held.length} held, ` +
        `${result.failed.length} failed`
    )
  }
  return result
}

async function* readPages<T>(pages: AsyncIterable<T>, what: string) {
  const iterator = pages[Symbol.asyncIterator]()
  for (;;) {
    const next = await reading('s3', what, () => iterator.next())
    if (next.done) return
    yield next.value
  }
}

function toParked(object: _Object): Parked {
  return {
    key: object.Key ?? '',
    size: object.Size ?? 0,
    etag: object.ETag ?? ''
  }
}

async function handlePage(
  objects: Parked[],
  plan: DrainPlan,
  queues: QueueExistence,
  aws: AwsClients,
  result: DrainResult
): Promise<void> {
  const confirmed: Parked[] = []
  await forEachLimited(objects, plan.concurrency, async (object) => {
    let decision: Decision
    try {
      decision = await decide(object, queues)
    } catch (error) {
      // Unknown whether its batch can still be inferred: leave it parked.
      result.failed.push({ key: object.key, error: errorMessage(error) })
      return
    }
    core.debug(
      `${object.key}: ${decision.action === 'hold' ? decision.reason : 'move'}`
    )
    if (decision.action === 'hold') {
      const { reason, batchId } = decision
      result.held.push({ key: object.key, reason, ...(batchId && { batchId }) })
      return
    }
    if (plan.dryRun) {
      result.moved.push({ key: object.key, size: object.size })
      return
    }
    const error = await copyConfirmed(object, plan, aws)
    if (error) result.failed.push({ key: object.key, error })
    else confirmed.push(object)
  })
  await deleteConfirmed(confirmed, plan.parkingLot, aws, result)
}

export async function decide(
  object: Parked,
  queues: { exists(batchId: string): Promise<boolean> }
): Promise<Decision> {
  if (object.key.endsWith('/') && object.size === 0) {
    return { action: 'hold', reason: 'folder-marker' }
  }
  if (!isIngestible(object.key))
    return { action: 'hold', reason: 'unsupported' }
  const batchId = batchIdOf(object.key)
  if (batchId && !(await queues.exists(batchId))) {
    return { action: 'hold', reason: 'orphaned-batch', batchId }
  }
  return { action: 'move' }
}

/** Copies one object; returns an error message unless confirmed. */
async function copyConfirmed(
  object: Parked,
  plan: DrainPlan,
  aws: AwsClients
): Promise<string | undefined> {
  try {
    const answer = await aws.s3.send(
      new CopyObjectCommand({
        Bucket: plan.ingestion,
        Key: object.key,
        CopySource: copySource(plan.parkingLot, object.key),
        MetadataDirective: 'COPY'
      })
    )
    // A single-part ETag is the content's MD5, so an equal ETag on the
    // copy proves the bytes; a multipart one is not, so compare the size.
    if (!object.etag.includes('-')) {
      const copied = answer.CopyObjectResult?.ETag
      return copied === object.etag ? undefined : `copy ETag ${copied} differs`
    }
    const head = await aws.s3.send(
      new HeadObjectCommand({ Bucket: plan.ingestion, Key: object.key })
    )
    return head.ContentLength === object.size
      ? undefined
      : `copy has ${head.ContentLength} bytes, source ${object.size}`
  } catch (error) {
    return `copy failed: ${errorMessage(error)}`
  }
}

async function deleteConfirmed(
  objects: Parked[],
  bucket: string,
  aws: AwsClients,
  result: DrainResult
): Promise<void> {
  for (let start = 0; start < objects.length; start += DELETE_LIMIT) {
    const chunk = objects.slice(start, start + DELETE_LIMIT)
    const errors = await deleteChunk(chunk, bucket, aws)
    for (const object of chunk) {
      const error = errors.get(object.key)
      if (error) {
        result.failed.push({
          key: object.key,
          error: `copied, not deleted: ${error}`
        })
      } else {
        result.moved.push({ key: object.key, size: object.size })
        result.bytesMoved += object.size
      }
    }
  }
}

/** Deletes one chunk; returns the error of each key that was not deleted. */
async function deleteChunk(
  chunk: Parked[],
  bucket: string,
  aws: AwsClients
): Promise<Map<string, string>> {
  const errors = new Map<string, string>()
  try {
    const answer = await aws.s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: chunk.map(({ key }) => ({ Key: key })), Quiet: true }
      })
    )
    // A 200 answer can still list keys it did not delete.
    for (const error of answer.Errors ?? []) {
      errors.set(error.Key ?? '', `${error.Code}: ${error.Message}`)
    }
  } catch (error) {
    for (const { key } of chunk) errors.set(key, errorMessage(error))
  }
  return errors
}

/** Whether a batch's queue still exists, asked once per batch. */
class QueueExistence {
  private readonly known = new Map<string, Promise<boolean>>()
  constructor(
    private readonly stage: string,
    private readonly aws: AwsClients
  ) {}

  exists(batchId: string): Promise<boolean> {
    let answer = this.known.get(batchId)
    if (!answer) {
      const name = batchQueueName(this.stage, batchId)
      answer = queueUrl(name, this.aws).then((url) => url !== undefined)
      this.known.set(batchId, answer)
    }
    return answer
  }
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++]!)
  }
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker)
  )
}
