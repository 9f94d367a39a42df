// The two writes of a move: a server-side copy confirmed by its own
// answer, and a batched delete from the parking lot.
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  type S3Client
} from '@aws-sdk/client-s3'
import { errorMessage } from '../errors'
import { copySource } from '../keys'
import { listRange } from './listing'
import type { Parked } from './types'

export const DELETE_LIMIT = 1_000

/** A confirmed copy says when S3 wrote it; anything else says why not. */
export type CopyOutcome =
  | { readonly copiedAt: number; readonly error?: undefined }
  | { readonly error: string }

/** Copies one object and confirms the copy holds the same bytes. */
export async function copyConfirmed(
  object: Parked,
  from: string,
  to: string,
  s3: S3Client
): Promise<CopyOutcome> {
  try {
    const answer = await s3.send(
      new CopyObjectCommand({
        Bucket: to,
        Key: object.key,
        CopySource: copySource(from, object.key),
        MetadataDirective: 'COPY'
      })
    )
    // S3's own clock, as the bounce guard compares it with the listing's.
    // Without it the guard cannot rule out a bounce: NaN makes it unsure.
    const copiedAt = answer.CopyObjectResult?.LastModified?.getTime() ?? NaN
    // A single-part ETag is the content's MD5, so an equal ETag in the
    // copy's own answer proves the bytes at no extra request. A multipart
    // ETag is not an MD5 (and the copy gets a different one): compare the
    // size with one HeadObject instead.
    const copied = answer.CopyObjectResult?.ETag
    if (!object.etag.includes('-')) {
      return copied === object.etag
        ? { copiedAt }
        : { error: `copy ETag ${copied} differs` }
    }
    if (!copied) return { error: 'copy answered without an ETag' }
    const error = await sizeOfCopy(object, to, copied, s3)
    return error === undefined ? { copiedAt } : { error }
  } catch (error) {
    return { error: `copy failed: ${errorMessage(error)}` }
  }
}

// Ingest-image takes a copy out of the ingestion bucket within moments, so
// the HeadObject may find nothing: S3 has already answered the copy with
// the new object's ETag, and the copy is gone because it was ingested
// (the guard checks that next). A copy still there must have the size.
async function sizeOfCopy(
  object: Parked,
  to: string,
  copied: string,
  s3: S3Client
): Promise<string | undefined> {
  try {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: to, Key: object.key, IfMatch: copied })
    )
    return head.ContentLength === object.size
      ? undefined
      : `copy has ${head.ContentLength} bytes, source ${object.size}`
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } })
      .$metadata?.httpStatusCode
    // 404: taken already. Anything else (a 412 says the key holds another
    // write now) is not a confirmation: the original stays parked.
    if (status === 404) return undefined
    throw error
  }
}

/**
 * Deletes up to 1,000 keys in one call; returns the error of each key that
 * was not deleted. A 200 answer can still list keys it did not delete:
 * those are retried once in one more call, then reported key by key.
 */
export async function deleteKeys(
  keys: readonly string[],
  bucket: string,
  s3: S3Client
): Promise<Map<string, string>> {
  let errors = await deleteOnce(keys, bucket, s3)
  if (errors.size > 0 && errors.size < keys.length) {
    errors = await deleteOnce([...errors.keys()], bucket, s3)
  }
  return errors
}

async function deleteOnce(
  keys: readonly string[],
  bucket: string,
  s3: S3Client
): Promise<Map<string, string>> {
  const errors = new Map<string, string>()
  if (keys.length === 0) return errors
  try {
    const answer = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true }
      })
    )
    for (const error of answer.Errors ?? []) {
      errors.set(error.Key ?? '', `${error.Code}: ${error.Message}`)
    }
  } catch (error) {
    for (const key of keys) errors.set(key, errorMessage(error))
  }
  return errors
}

/**
 * Which of `deleted` are still listed in startAfter < key <= last. S3
 * answers success for a key it does not have, so a Quiet DeleteObjects
 * alone proves nothing for a key garbled on the way (seen: an emulator
 * that does not decode `&#x0A;` in the request's XML reported a key with
 * a line feed deleted, and it stayed). One listing per batch of up to
 * 1,000 keys.
 */
export async function stillListed(
  deleted: readonly string[],
  bucket: string,
  startAfter: string,
  last: string,
  s3: S3Client
): Promise<Set<string>> {
  const left = new Set<string>()
  if (deleted.length === 0) return left
  const wanted = new Set(deleted)
  for (const object of await listRange(s3, bucket, startAfter, last)) {
    if (wanted.has(object.key)) left.add(object.key)
  }
  return left
}
