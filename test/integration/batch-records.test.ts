// The MongoDB reads against a real server. They run when MONGODB_URI names
// one (CI starts a MongoDB service container) and are skipped otherwise;
// each run writes to a database of its own and drops it afterwards.
import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readBatchRecords } from '../../src/sources/batch-records'

const base = process.env.MONGODB_URI

describe.skipIf(!base)('readBatchRecords against MongoDB', () => {
  const url = new URL(base ?? 'mongodb://unused')
  url.pathname = `/gate-it-${process.pid}-${Date.now()}`
  const uri = url.toString()
  const client = new MongoClient(uri)

  beforeAll(async () => {
    const db = client.db()
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000)
    await db.collection('batches').insertMany([
      // Absent and null processingEnd both mean unfinished.
      { _id: 'batch-a' as never, projectId: 'fox', created: at(30) },
      { _id: 'batch-b' as never, created: at(60), processingEnd: null },
      { _id: 'batch-c' as never, created: at(90), processingEnd: at(1) }
    ])
    await db.collection('batcherrors').insertMany([
      { batch: 'batch-b', error: 'unzip failed', created: at(5) },
      { batch: 'batch-c', error: 'long done', created: at(5) }
    ])
  })

  afterAll(async () => {
    await client.db().dropDatabase()
    await client.close()
  })

  it('reads the unfinished batches and which of them have errors', async () => {
    const records = await readBatchRecords(uri)
    const ids = records.unfinished.map((record) => record.id).sort()
    expect(ids).toEqual(['batch-a', 'batch-b'])
    expect(records.unfinished.find((r) => r.id === 'batch-a')).toMatchObject({
      projectId: 'fox',
      created: expect.any(Date)
    })
    expect([...records.withErrors]).toEqual(['batch-b'])
  })
})
