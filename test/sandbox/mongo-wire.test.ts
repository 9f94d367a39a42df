import { afterEach, describe, it, expect } from 'vitest'
import { connect } from 'node:net'
import { once } from 'node:events'
import { deserialize, serialize } from 'bson'
import { MongoClient, MongoServerError, type Document } from 'mongodb'
import {
  startMongoStandIn,
  type MongoStandIn,
  type MongoStandInOptions
} from '../../sandbox/mongo-wire'

const running: MongoStandIn[] = []
const clients: MongoClient[] = []

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close(true)))
  await Promise.all(running.splice(0).map((s) => s.stop()))
})

async function standIn(o: MongoStandInOptions): Promise<MongoStandIn> {
  const s = await startMongoStandIn(o)
  running.push(s)
  return s
}

function client(hostPort: string, userInfo = '', timeoutMs = 2000) {
  const c = new MongoClient(`mongodb://${userInfo}${hostPort}/animl`, {
    serverSelectionTimeoutMS: timeoutMs
  })
  clients.push(c)
  return c
}

// Fails the test instead of hanging until vitest's own timeout.
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`not settled in ${ms} ms`)), ms)
    )
  ])
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10))
}

const ended = new Date('2024-05-01T12:34:56.789Z')
const batches = () => [
  { _id: 'absent', status: 'a' },
  { _id: 'null', status: 'b', processingEnd: null },
  { _id: 'ended', status: 'c', processingEnd: ended }
]

describe('mongo wire stand-in', () => {
  it('matches { processingEnd: null } on absent and null fields', async () => {
    const s = await standIn({ collections: { batches: batches() } })
    const docs = await client(s.hostPort)
      .db()
      .collection('batches')
      .find({ processingEnd: null })
      .toArray()
    expect(docs.map((d) => d._id).sort()).toEqual(['absent', 'null'])
    expect(s.commands).toContain('find')
  })

  it('round-trips Dates as Date objects', async () => {
    const s = await standIn({ collections: { batches: batches() } })
    const doc = await client(s.hostPort)
      .db()
      .collection<Document>('batches')
      .findOne({ _id: 'ended' } as Document)
    expect(doc?.processingEnd).toBeInstanceOf(Date)
    expect((doc?.processingEnd as Date).getTime()).toBe(ended.getTime())
  })

  it('pages 250 documents in batches of 100 with getMore', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ _id: i, n: i }))
    const s = await standIn({ collections: { batches: many } })
    const docs = await client(s.hostPort)
      .db()
      .collection('batches')
      .find({}, { batchSize: 100 })
      .sort({ n: 1 })
      .toArray()
    expect(docs.map((d) => d.n)).toEqual(many.map((d) => d.n))
    expect(s.commands.filter((c) => c === 'getMore')).toHaveLength(2)
  })

  it('honours $in, projection and limit', async () => {
    const s = await standIn({ collections: { batches: batches() } })
    const docs = await client(s.hostPort)
      .db()
      .collection('batches')
      .find({ status: { $in: ['a', 'c', 'z'] } })
      .project({ _id: 1 })
      .sort({ _id: -1 })
      .limit(5)
      .toArray()
    expect(docs).toEqual([{ _id: 'ended' }, { _id: 'absent' }])
  })

  it('counts with an aggregate pipeline and lists collections', async () => {
    const s = await standIn({ collections: { batches: batches() } })
    const db = client(s.hostPort).db()
    const n = await db
      .collection('batches')
      .countDocuments({ processingEnd: null })
    expect(n).toBe(2)
    expect(s.commands).toContain('aggregate')
    const names = await db.listCollections().toArray()
    expect(names.map((c) => c.name)).toEqual(['batches'])
  })

  it('applies inserts, updates and deletes to the live data', async () => {
    const s = await standIn({ collections: { batches: batches() } })
    const coll = client(s.hostPort).db().collection<Document>('batches')
    await coll.insertOne({ _id: 'new', status: 'd' } as Document)
    await coll.updateOne({ _id: 'new' } as Document, { $set: { status: 'e' } })
    await coll.deleteOne({ _id: 'absent' } as Document)
    expect(s.collections.batches?.map((d) => d._id)).toEqual([
      'null',
      'ended',
      'new'
    ])
    expect(s.collections.batches?.[2]).toEqual({ _id: 'new', status: 'e' })
  })

  it('answers unknown commands with CommandNotFound', async () => {
    const s = await standIn({ collections: {} })
    const err = await client(s.hostPort)
      .db()
      .command({ frobnicate: 1 })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MongoServerError)
    expect((err as MongoServerError).code).toBe(59)
  })

  it('delays replies by latencyMs', async () => {
    const s = await standIn({ collections: {} })
    const db = client(s.hostPort).db()
    await db.command({ ping: 1 }) // connect first; time only the ping
    s.latencyMs = 300
    const start = Date.now()
    await db.command({ ping: 1 })
    expect(Date.now() - start).toBeGreaterThanOrEqual(290)
  })
})

// An OP_MSG built by hand, for the wire features the driver does not use
// here: kind-1 document sequences, the checksum flag and moreToCome.
function opMsg(
  requestId: number,
  flags: number,
  body: Document,
  seq?: Document[]
) {
  const parts = [Buffer.from([0]), Buffer.from(serialize(body))]
  if (seq) {
    const docs = Buffer.concat(seq.map((d) => Buffer.from(serialize(d))))
    const name = Buffer.from('documents\0')
    const size = Buffer.alloc(4)
    size.writeInt32LE(4 + name.length + docs.length)
    parts.push(Buffer.from([1]), size, name, docs)
  }
  if (flags & 1) parts.push(Buffer.alloc(4)) // checksum: present, unchecked
  const head = Buffer.alloc(20)
  const length = 20 + parts.reduce((n, b) => n + b.length, 0)
  head.writeInt32LE(length, 0)
  head.writeInt32LE(requestId, 4)
  head.writeInt32LE(2013, 12)
  head.writeUInt32LE(flags, 16)
  return Buffer.concat([head, ...parts])
}

describe('raw OP_MSG', () => {
  it('parses sequences and checksums, and stays silent on moreToCome', async () => {
    const s = await standIn({ collections: {} })
    const socket = connect(s.port, s.host)
    await once(socket, 'connect')
    const insert = { insert: 'batches', $db: 'animl' }
    socket.write(opMsg(7, 1 | 2, insert, [{ _id: 1 }, { _id: 2 }]))
    socket.write(opMsg(8, 1, { ping: 1, $db: 'admin' }))
    const [reply] = (await within(2000, once(socket, 'data'))) as [Buffer]
    socket.destroy()
    expect(reply.readInt32LE(8)).toBe(8) // the first reply answers the ping
    expect(deserialize(reply.subarray(21))).toEqual({ ok: 1 })
    expect(s.collections.batches).toEqual([{ _id: 1 }, { _id: 2 }])
  })
})

describe('SCRAM-SHA-256', () => {
  const credentials = { username: 'gate', password: 'p@ss:w/rd%?#[]' }
  const userInfo = (password: string) => `gate:${encodeURIComponent(password)}@`

  it('accepts the right password', async () => {
    const s = await standIn({
      collections: { batches: batches() },
      credentials
    })
    const docs = await client(s.hostPort, userInfo(credentials.password))
      .db()
      .collection('batches')
      .find({})
      .toArray()
    expect(docs).toHaveLength(3)
    expect(s.commands).toContain('saslContinue')
  })

  it('rejects a wrong password with AuthenticationFailed', async () => {
    const s = await standIn({
      collections: { batches: batches() },
      credentials
    })
    const err = await client(s.hostPort, userInfo('wrong'))
      .db()
      .collection('batches')
      .findOne({})
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(MongoServerError)
    expect((err as MongoServerError).code).toBe(18)
    expect(s.commands).not.toContain('find')
  })

  it('refuses commands from a client that did not authenticate', async () => {
    const s = await standIn({
      collections: { batches: batches() },
      credentials
    })
    const err = await client(s.hostPort)
      .db()
      .collection('batches')
      .findOne({})
      .catch((e: unknown) => e)
    expect((err as MongoServerError).code).toBe(13)
  })
})

describe('availability', () => {
  it('fails server selection within the timeout when down', async () => {
    const s = await standIn({ collections: { batches: batches() } })
    s.down = true
    const start = Date.now()
    const err = await within(
      5000,
      client(s.hostPort, '', 500)
        .connect()
        .catch((e: unknown) => e)
    )
    expect((err as Error).name).toBe('MongoServerSelectionError')
    expect(Date.now() - start).toBeLessThan(3000)
  })

  it('drops open connections when it goes down, and recovers', async () => {
    const s = await standIn({ collections: { batches: batches() } })
    const db = client(s.hostPort, '', 500).db()
    await db.command({ ping: 1 })
    s.down = true
    await expect(db.command({ ping: 1 })).rejects.toThrow()
    s.down = false
    // A fresh client: when the old one re-checks the server is driver
    // timing (minHeartbeatFrequencyMS), not something the stand-in controls.
    const again = client(s.hostPort).db()
    await expect(again.command({ ping: 1 })).resolves.toEqual({ ok: 1 })
  })

  it('lets everything end after client.close()', async () => {
    const s = await startMongoStandIn({ collections: { batches: batches() } })
    const c = new MongoClient(`mongodb://${s.hostPort}/animl`, {
      serverSelectionTimeoutMS: 2000
    })
    await c.db().collection('batches').findOne({})
    await within(2000, c.close())
    // endSessions is fire-and-forget (moreToCome): give it time to land.
    await within(
      2000,
      until(() => s.commands.includes('endSessions'))
    )
    await within(2000, s.stop())
  })
})
