// Listing, 1,000 keys a page. S3 lists in UTF-8 byte order, which is what
// lets the guard re-read just the key range of one batch.
//
// Keys are asked for URL-encoded (EncodingType: 'url'): XML 1.0 cannot
// carry every character a key may hold (a CR comes back as LF, so its copy
// would fail with NoSuchKey forever). S3 encodes them form-style: a space
// as `+`, a literal `+` as `%2B`. A server that ignores the request (some
// emulators) answers raw keys and no EncodingType: those are not decoded.
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type _Object,
  type S3Client
} from '@aws-sdk/client-s3'
import { reading } from '../errors'
import type { Parked } from './types'

export function toParked(object: _Object, urlEncoded = false): Parked {
  const key = object.Key ?? ''
  return {
    key: urlEncoded ? decodeKey(key) : key,
    size: object.Size ?? 0,
    etag: object.ETag ?? '',
    modified: object.LastModified?.getTime() ?? 0
  }
}

/** A key of a listing answered with `EncodingType: url`. */
export function decodeKey(encoded: string): string {
  return decodeURIComponent(encoded.replaceAll('+', ' '))
}

export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * Every page of a bucket, after `startAfter`. The next page is requested
 * as soon as one arrives (unless `prefetch` is false), so copies never
 * wait for a listing round trip; at most two pages are held.
 */
export async function* listPages(
  s3: S3Client,
  bucket: string,
  startAfter = '',
  prefetch = true
): AsyncGenerator<Parked[]> {
  const fetch = (token: string | undefined) =>
    reading('s3', `objects of bucket ${bucket}`, () =>
      s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          MaxKeys: 1_000,
          EncodingType: 'url',
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
    pending = token && prefetch ? fetch(token) : undefined
    const encoded = page.EncodingType === 'url'
    yield (page.Contents ?? []).map((object) => toParked(object, encoded))
    if (token && !prefetch) pending = fetch(token)
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
  // No prefetch, and no further page once `last` is reached: a range of
  // exactly 1,000 keys (a full batch) then costs one request, not two.
  for await (const page of listPages(s3, bucket, startAfter, false)) {
    for (const object of page) {
      const order = byteCompare(object.key, last)
      if (order > 0) return found
      found.push(object)
      if (order === 0) return found
    }
  }
  return found
}
