// The bounce guard with S3's whole-second LastModified: a key is bounced
// only when the parking lot holds it from a later second than the one
// listed, and a copy made in the original's own second is never taken for
// ingested (deleting its original could delete the bounced copy).
import type { S3Client } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { settleBatch, type Copied } from '../../src/drain/guard'

const PARKED_AT = Date.parse('2026-12-04T10:00:00.400Z')

/** A stub S3 that lists fixed contents per bucket, in whole seconds. */
function s3With(buckets: Record<string, { key: string; at: number }[]>) {
  return {
    send: (command: { input: { Bucket: string } }) => {
      const objects = buckets[command.input.Bucket] ?? []
      return Promise.resolve({
        IsTruncated: false,
        Contents: objects.map((o) => ({
          Key: o.key,
          Size: 1,
          ETag: '"e"',
          LastModified: new Date(Math.floor(o.at / 1_000) * 1_000)
        }))
      })
    }
  } as unknown as S3Client
}

function copied(copiedAt: number): Copied {
  // As listed: whole seconds.
  const modified = Math.floor(PARKED_AT / 1_000) * 1_000
  return { key: 'a.jpg', size: 1, etag: '"e"', modified, copiedAt }
}

async function verdictFor(copiedAt: number, lotAt: number | undefined) {
  const s3 = s3With({
    lot: lotAt === undefined ? [] : [{ key: 'a.jpg', at: lotAt }],
    ingestion: []
  })
  const settled = await settleBatch(
    { startAfter: '', last: 'a.jpg', confirmed: [copied(copiedAt)] },
    {
      s3,
      parkingLot: 'lot',
      ingestion: 'ingestion',
      timeoutMs: 1_000,
      sleep: () => Promise.resolve(),
      now: Date.now
    }
  )
  const [verdict] = (
    ['ingested', 'bounced', 'unsure', 'stuck'] as const
  ).filter((name) => settled[name].length > 0)
  return verdict
}

describe('bounce guard in whole seconds', () => {
  it('takes an untouched original as ingested when the copy is from a later second', async () => {
    expect(await verdictFor(PARKED_AT + 2_000, PARKED_AT)).toBe('ingested')
  })

  it('sees a bounce from a later second', async () => {
    expect(await verdictFor(PARKED_AT + 2_000, PARKED_AT + 2_100)).toBe(
      'bounced'
    )
  })

  it('does not call a copy of the same second ingested: a bounce would look the same', async () => {
    // Bounced within the second it was parked: the listing cannot tell.
    expect(await verdictFor(PARKED_AT + 300, PARKED_AT + 500)).toBe('unsure')
  })

  it('is unsure when S3 did not say when it wrote the copy', async () => {
    expect(await verdictFor(NaN, PARKED_AT)).toBe('unsure')
  })

  it('waits for the copy to leave the ingestion bucket', async () => {
    const s3 = s3With({ lot: [], ingestion: [{ key: 'a.jpg', at: 0 }] })
    let now = 0
    const settled = await settleBatch(
      {
        startAfter: '',
        last: 'a.jpg',
        confirmed: [copied(PARKED_AT + 2_000)]
      },
      {
        s3,
        parkingLot: 'lot',
        ingestion: 'ingestion',
        timeoutMs: 1_000,
        sleep: (ms) => {
          now += ms
          return Promise.resolve()
        },
        now: () => now
      }
    )
    expect(settled.stuck.map((o) => o.key)).toEqual(['a.jpg'])
    expect(settled.ingested).toEqual([])
  })
})
