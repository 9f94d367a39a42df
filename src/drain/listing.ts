// Listing, 1,000 keys a page. S3 lists in UTF-8 byte order, which is what
// lets the guard re-read just the key range of one batch.
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type _Object,
  type S3Client
} from '@aws-sdk/client-s3'
import { reading } from '../errors'
import type { Parked } from './types'

export function toParked(object: _Object): Parked {
  return {
    key: object.Key ?? '',
    size: object.Size ?? 0,
    etag: object.ETag ?? '',
    modified: object.LastModified?.getTime() ?? 0
  }
}

export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * Every page of a bucket, after `startAfter`. The next page is requested
 * as soon as one arrives, so copies never wait for a listing round trip;
 * at most two pages are held.
 */
export async function* listPages(
  s3: S3Client,
  bucket: string,
  startAfter = ''
): AsyncGenerator<Parked[]> {
  const fetch = (token: string | undefined) =>
    reading('s3', `objects of bucket ${bucket}`, () =>
      s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          MaxKeys: 1_000,
          ...(token ? { ContinuationToken: token } : {}),
          ...(!token && startAfter ? { StartAfter: startAfter } : {})
        })
      )
    )
  let pending: Promise<ListObjectsV2CommandOutput> | undefined =
    fetch(undefined)
  while (pending) {
    const page: ListObjectsV2CommandOutput = await pending
    const token: string | undefined = page.IsTruncated
      ? page.NextContinuationToken
      : undefined
    pending = token ? fetch(token) : undefined
    yield (page.Contents ?? []).map(toParked)
  }
}

/** The objects with startAfter < key <= last, in listing order. */
export async function listRange(
  s3: S3Client,
  bucket: string,
  startAfter: string,
  last: string
): Promise<Parked[]> {
  const found: Parked[] = []
  for await (const page of listPages(s3, bucket, startAfter)) {
    for (const object of page) {
      if (byteCompare(object.key, last) > 0) return found
      found.push(object)
    }
  }
  return found
}
