// A MongoDB wire-protocol stand-in for the sandbox: just enough of a
// standalone mongod for the real `mongodb` driver to connect, authenticate
// with SCRAM-SHA-256, page through cursors and do small writes. Queries,
// pipelines and update operators are evaluated in memory by mingo.
import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import {
  createHash,
  createHmac,
  pbkdf2Sync,
  randomBytes,
  timingSafeEqual
} from 'node:crypto'
import {
  Binary,
  Long,
  ObjectId,
  calculateObjectSize,
  deserialize,
  serialize,
  type Document
} from 'bson'
import { Query, aggregate, updateMany, updateOne } from 'mingo'
import type { Faults } from './faults'

export interface MongoStandInOptions {
  collections: Record<string, Document[]> // db name is ignored: one namespace per collection name
  credentials?: { username: string; password: string } // when set, SCRAM-SHA-256 is required
  port?: number // default 0: an ephemeral port
}
export interface MongoStandIn {
  host: string // '127.0.0.1'
  port: number
  hostPort: string // `${host}:${port}`
  collections: Record<string, Document[]> // live data; tests may mutate
  commands: string[] // names of commands received, in order (e.g. 'find')
  down: boolean // when true, every connection is closed at once (unreachable source)
  latencyMs: number // delay before each reply (slow source)
  faults: Faults | undefined // seeded per-command faults: reset, error, latency
  stop(): Promise<void>
}

const OP_REPLY = 1
const OP_QUERY = 2004
const OP_MSG = 2013
const MAX_BSON = 16 * 1024 * 1024
const MAX_MESSAGE = 48_000_000
const SCRAM_ITERATIONS = 4096 // the driver refuses fewer
const DEFAULT_FIRST_BATCH = 101 // what mongod returns when no batchSize is given
// Commands a real mongod answers before authentication.
const OPEN_COMMANDS = new Set([
  ...['hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'endSessions'],
  ...['saslStart', 'saslContinue']
])

interface Scram {
  id: number
  clientFirstBare: string
  serverFirst: string
  nonce: string
  salt: Buffer
}
interface Conn {
  id: number
  socket: Socket
  pending: Buffer
  authed: boolean
  scram?: Scram
  queue: Promise<void> // replies leave in request order, even with latency
}
interface Request {
  requestId: number
  opCode: number
  command: Document
  moreToCome: boolean // the client expects no reply at all
}
type Handler = (cmd: Document, conn: Conn) => Document

// ---- framing ----------------------------------------------------------

function cString(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at)
  return [buf.toString('utf8', at, end), end + 1]
}

function parseOpQuery(msg: Buffer): Document {
  const [, afterName] = cString(msg, 20)
  const query = deserialize(msg.subarray(afterName + 8))
  // Drivers wrap the command in $query when they attach read preferences.
  return (query.$query as Document | undefined) ?? query
}

function parseOpMsg(msg: Buffer): { body: Document; moreToCome: boolean } {
  const flags = msg.readUInt32LE(16)
  const end = msg.length - (flags & 1 ? 4 : 0) // trailing CRC-32C checksum
  let body: Document = {}
  const sequences: Record<string, Document[]> = {}
  for (let at = 20; at < end;) {
    const kind = msg[at++]
    const size = msg.readInt32LE(at)
    if (kind === 0) body = deserialize(msg.subarray(at, at + size))
    else {
      const [name, first] = cString(msg, at + 4)
      const docs: Document[] = (sequences[name] = [])
      for (let d = first; d < at + size; d += msg.readInt32LE(d)) {
        docs.push(deserialize(msg.subarray(d, d + msg.readInt32LE(d))))
      }
    }
    at += size
  }
  // Kind-1 sequences (e.g. insert's documents) are logically body fields.
  return { body: { ...body, ...sequences }, moreToCome: (flags & 2) !== 0 }
}

function parseRequest(msg: Buffer): Request {
  const requestId = msg.readInt32LE(4)
  const opCode = msg.readInt32LE(12)
  if (opCode === OP_QUERY) {
    return { requestId, opCode, command: parseOpQuery(msg), moreToCome: false }
  }
  if (opCode !== OP_MSG) throw new Error(`unsupported opCode ${opCode}`)
  const { body, moreToCome } = parseOpMsg(msg)
  return { requestId, opCode, command: body, moreToCome }
}

let lastRequestId = 0
function header(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.alloc(16)
  h.writeInt32LE(length, 0)
  h.writeInt32LE(++lastRequestId, 4)
  h.writeInt32LE(responseTo, 8)
  h.writeInt32LE(opCode, 12)
  return h
}

// Answer in the protocol the request came in: OP_REPLY for the legacy
// OP_QUERY handshake, OP_MSG (flags 0, one kind-0 section) otherwise.
function encodeReply(req: Request, reply: Document): Buffer {
  const doc = serialize(reply)
  if (req.opCode === OP_QUERY) {
    const body = Buffer.alloc(20) // flags, cursorID(8), startingFrom, count
    body.writeInt32LE(1, 16)
    const len = 16 + body.length + doc.length
    return Buffer.concat([header(len, req.requestId, OP_REPLY), body, doc])
  }
  const body = Buffer.from([0, 0, 0, 0, 0]) // flagBits, section kind 0
  const len = 16 + body.length + doc.length
  return Buffer.concat([header(len, req.requestId, OP_MSG), body, doc])
}

// ---- SCRAM-SHA-256 (RFC 5802 / 7677) ----------------------------------

const hmac = (key: Buffer, text: string) =>
  createHmac('sha256', key).update(text).digest()
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest()

function payloadText(payload: unknown): string {
  if (payload instanceof Binary) return payload.toString('utf8')
  return Buffer.from(payload as Uint8Array).toString('utf8')
}

function scramAttrs(message: string): Record<string, string> {
  const attrs: Record<string, string> = {}
  for (const part of message.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) attrs[part.slice(0, eq)] = part.slice(eq + 1)
  }
  return attrs
}

const fail = (code: number, codeName: string, errmsg: string) => ({
  ok: 0,
  errmsg,
  code,
  codeName
})
const authFailed = () =>
  fail(18, 'AuthenticationFailed', 'Authentication failed.')

// ---- the server -------------------------------------------------------

export async function startMongoStandIn(
  o: MongoStandInOptions
): Promise<MongoStandIn> {
  const sockets = new Set<Socket>()
  const cursors = new Map<number, { ns: string; docs: Document[] }>()
  let lastConnId = 0
  let lastCursorId = 0
  let lastConversationId = 0
  let down = false
  const creds = o.credentials

  const readColl = (name: unknown) => standIn.collections[String(name)] ?? []
  const writeColl = (name: unknown) =>
    (standIn.collections[String(name)] ??= [])
  const ns = (cmd: Document, coll: unknown) =>
    `${String(cmd.$db ?? 'test')}.${String(coll)}`

  // Remove up to n documents from the front of a result set, staying under
  // the BSON limit for the reply as mongod does.
  function takeBatch(docs: Document[], n: number): Document[] {
    let count = 0
    let bytes = 0
    while (count < Math.min(n, docs.length)) {
      bytes += calculateObjectSize(docs[count] as Document)
      if (count > 0 && bytes > MAX_BSON - 1024) break
      count++
    }
    return docs.splice(0, count)
  }

  // singleBatch asks for everything in one reply and no cursor left open.
  function openCursor(
    ns: string,
    docs: Document[],
    size: number,
    single = false
  ) {
    const firstBatch = takeBatch(docs, single ? Infinity : size)
    const id = docs.length > 0 && !single ? ++lastCursorId : 0
    if (id) cursors.set(id, { ns, docs })
    return { cursor: { id: Long.fromNumber(id), ns, firstBatch }, ok: 1 }
  }

  function hello(cmd: Document, conn: Conn): Document {
    const reply: Document = {
      helloOk: true,
      ismaster: true,
      isWritablePrimary: true,
      maxBsonObjectSize: MAX_BSON,
      maxMessageSizeBytes: MAX_MESSAGE,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: conn.id,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false
    }
    const mechsFor = String(cmd.saslSupportedMechs ?? '')
    if (creds && mechsFor.endsWith(`.${creds.username}`)) {
      reply.saslSupportedMechs = ['SCRAM-SHA-256']
    }
    // Answering the speculative saslStart saves the driver a round trip.
    const speculative = cmd.speculativeAuthenticate as Document | undefined
    if (speculative) {
      const { ok, ...first } = saslStart(speculative, conn)
      if (ok === 1) reply.speculativeAuthenticate = first
    }
    return { ...reply, ok: 1 }
  }

  function saslStart(cmd: Document, conn: Conn): Document {
    if (!creds || cmd.mechanism !== 'SCRAM-SHA-256') return authFailed()
    const clientFirst = payloadText(cmd.payload)
    const clientFirstBare = clientFirst.replace(/^[^,]*,[^,]*,/, '') // gs2
    const { n = '', r = '' } = scramAttrs(clientFirstBare)
    const user = n.replaceAll('=2C', ',').replaceAll('=3D', '=')
    if (user !== creds.username || !r) return authFailed()
    const nonce = r + randomBytes(18).toString('base64')
    const salt = randomBytes(16)
    const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${SCRAM_ITERATIONS}`
    const id = ++lastConversationId
    conn.scram = { id, clientFirstBare, serverFirst, nonce, salt }
    const payload = new Binary(Buffer.from(serverFirst))
    return { conversationId: id, done: false, payload, ok: 1 }
  }

  function saslContinue(cmd: Document, conn: Conn): Document {
    const s = conn.scram
    conn.scram = undefined // one attempt per conversation
    if (!creds || !s || Number(cmd.conversationId) !== s.id) return authFailed()
    const clientFinal = payloadText(cmd.payload)
    const { r, p = '' } = scramAttrs(clientFinal)
    if (r !== s.nonce) return authFailed()
    // ASCII passwords are their own SaslPrep; NFKC covers the common rest.
    // SCRAM-SHA-256 uses the plain password (SHA-1 would pre-hash it).
    const password = creds.password.normalize('NFKC')
    const salted = pbkdf2Sync(password, s.salt, SCRAM_ITERATIONS, 32, 'sha256')
    const clientKey = hmac(salted, 'Client Key')
    const storedKey = sha256(clientKey)
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='))
    const authMessage = `${s.clientFirstBare},${s.serverFirst},${withoutProof}`
    const signature = hmac(storedKey, authMessage)
    const proof = Buffer.from(p, 'base64')
    if (proof.length !== signature.length) return authFailed()
    const candidate = sha256(
      Buffer.from(proof.map((b, i) => b ^ (signature[i] ?? 0)))
    )
    if (!timingSafeEqual(candidate, storedKey)) return authFailed()
    conn.authed = true
    const verifier = hmac(hmac(salted, 'Server Key'), authMessage)
    // done: true lets the driver skip the empty final exchange.
    const payload = new Binary(Buffer.from(`v=${verifier.toString('base64')}`))
    return { conversationId: s.id, done: true, payload, ok: 1 }
  }

  function find(cmd: Document): Document {
    const limit = Number(cmd.limit ?? 0)
    let c = new Query(cmd.filter ?? {}).find(
      readColl(cmd.find),
      cmd.projection ?? {}
    )
    if (cmd.sort) c = c.sort(cmd.sort)
    if (cmd.skip) c = c.skip(Number(cmd.skip))
    if (limit) c = c.limit(Math.abs(limit))
    const docs = c.all() as Document[]
    const size = Number(cmd.batchSize ?? DEFAULT_FIRST_BATCH)
    const single = cmd.singleBatch === true || limit < 0
    return openCursor(ns(cmd, cmd.find), docs, size, single)
  }

  function getMore(cmd: Document): Document {
    const id = Number(cmd.getMore)
    const cursor = cursors.get(id)
    if (!cursor) {
      return fail(43, 'CursorNotFound', `cursor id ${id} not found`)
    }
    const nextBatch = takeBatch(cursor.docs, Number(cmd.batchSize ?? Infinity))
    if (cursor.docs.length === 0) cursors.delete(id)
    const nextId = Long.fromNumber(cursors.has(id) ? id : 0)
    return { cursor: { id: nextId, ns: cursor.ns, nextBatch }, ok: 1 }
  }

  function killCursors(cmd: Document): Document {
    const ids = ((cmd.cursors ?? []) as unknown[]).map(Number)
    const killed = ids.filter((id) => cursors.delete(id))
    const notFound = ids.filter((id) => !killed.includes(id))
    const longs = (xs: number[]) => xs.map((x) => Long.fromNumber(x))
    const gone = {
      cursorsKilled: longs(killed),
      cursorsNotFound: longs(notFound)
    }
    return { ...gone, cursorsAlive: [], cursorsUnknown: [], ok: 1 }
  }

  function aggregateCmd(cmd: Document): Document {
    const docs = aggregate(readColl(cmd.aggregate), cmd.pipeline ?? [])
    const size = (cmd.cursor as Document | undefined)?.batchSize
    return openCursor(
      ns(cmd, cmd.aggregate),
      docs,
      Number(size ?? DEFAULT_FIRST_BATCH)
    )
  }

  function listCollections(cmd: Document): Document {
    const all = Object.keys(standIn.collections).map((name) => ({
      name,
      type: 'collection',
      options: {},
      info: { readOnly: false }
    }))
    const docs = new Query(cmd.filter ?? {}).find(all).all() as Document[]
    return openCursor(ns(cmd, '$cmd.listCollections'), docs, Infinity)
  }

  function count(cmd: Document): Document {
    let c = new Query(cmd.query ?? {}).find(readColl(cmd.count))
    if (cmd.skip) c = c.skip(Number(cmd.skip))
    if (cmd.limit) c = c.limit(Math.abs(Number(cmd.limit)))
    return { n: c.all().length, ok: 1 }
  }

  function insert(cmd: Document): Document {
    const docs = (cmd.documents ?? []) as Document[]
    for (const d of docs) d._id ??= new ObjectId()
    writeColl(cmd.insert).push(...docs)
    return { n: docs.length, ok: 1 }
  }

  // Update operators and pipelines only: replacements and upserts are not
  // needed by the gate, and mingo rejects them (answered as BadValue).
  function updateCmd(cmd: Document): Document {
    const coll = writeColl(cmd.update)
    let n = 0
    let nModified = 0
    for (const st of (cmd.updates ?? []) as Document[]) {
      const apply = st.multi ? updateMany : updateOne
      const r = apply(coll, st.q ?? {}, st.u)
      n += r.matchedCount
      nModified += r.modifiedCount
    }
    return { n, nModified, ok: 1 }
  }

  function deleteCmd(cmd: Document): Document {
    const coll = writeColl(cmd.delete)
    let n = 0
    for (const st of (cmd.deletes ?? []) as Document[]) {
      const query = new Query((st.q ?? {}) as Document)
      for (let i = 0; i < coll.length;) {
        if (query.test(coll[i] as Document)) {
          coll.splice(i, 1)
          n++
          if (Number(st.limit) === 1) break
        } else i++
      }
    }
    return { n, ok: 1 }
  }

  const handlers: Record<string, Handler> = {
    hello,
    ismaster: hello,
    isMaster: hello,
    ping: () => ({ ok: 1 }),
    buildInfo: () => ({
      version: '7.0.0',
      versionArray: [7, 0, 0, 0],
      maxBsonObjectSize: MAX_BSON,
      ok: 1
    }),
    saslStart,
    saslContinue,
    endSessions: () => ({ ok: 1 }),
    killCursors,
    find,
    getMore,
    aggregate: aggregateCmd,
    listCollections,
    count,
    insert,
    update: updateCmd,
    delete: deleteCmd,
    // One namespace for every database name: dropping one empties all.
    dropDatabase: () => {
      for (const name of Object.keys(standIn.collections)) {
        Reflect.deleteProperty(standIn.collections, name)
      }
      return { ok: 1 }
    }
  }

  function execute(cmd: Document, conn: Conn): Document {
    const name = Object.keys(cmd)[0] ?? ''
    standIn.commands.push(name)
    const handler = handlers[name]
    if (!handler) {
      return fail(59, 'CommandNotFound', `no such command: ${name}`)
    }
    if (creds && !conn.authed && !OPEN_COMMANDS.has(name)) {
      const why = `command ${name} requires authentication`
      return fail(13, 'Unauthorized', why)
    }
    try {
      return handler(cmd, conn)
    } catch (e) {
      // mingo throws on malformed queries; mongod would answer BadValue.
      return fail(2, 'BadValue', (e as Error).message)
    }
  }

  async function respond(conn: Conn, msg: Buffer): Promise<void> {
    const req = parseRequest(msg)
    const name = Object.keys(req.command)[0] ?? ''
    const picked = standIn.faults?.pick('mongo', name)
    if (picked?.failure === 'reset') return void conn.socket.destroy()
    const reply = picked?.failure
      ? // A busy or failing server: the driver sees a command error.
        {
          ok: 0,
          errmsg: 'Injected failure',
          code: 1,
          codeName: 'InternalError'
        }
      : execute(req.command, conn)
    const delay = standIn.latencyMs + (picked?.latencyMs ?? 0)
    if (delay > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
    if (!req.moreToCome && !conn.socket.destroyed) {
      conn.socket.write(encodeReply(req, reply))
    }
  }

  function onData(conn: Conn, chunk: Buffer): void {
    conn.pending = Buffer.concat([conn.pending, chunk])
    while (conn.pending.length >= 4) {
      const length = conn.pending.readInt32LE(0)
      if (length < 16 || length > MAX_MESSAGE) return void conn.socket.destroy()
      if (conn.pending.length < length) return
      const msg = conn.pending.subarray(0, length)
      conn.pending = conn.pending.subarray(length)
      conn.queue = conn.queue
        .then(() => respond(conn, msg))
        .catch(() => void conn.socket.destroy()) // unparseable: drop, like mongod
    }
  }

  const server = createServer((socket) => {
    if (down) return void socket.destroy()
    sockets.add(socket)
    const conn: Conn = {
      id: ++lastConnId,
      socket,
      pending: Buffer.alloc(0),
      authed: false,
      queue: Promise.resolve()
    }
    socket.on('data', (chunk) => onData(conn, chunk))
    socket.on('error', () => socket.destroy()) // resets are expected
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port

  const standIn: MongoStandIn = {
    host: '127.0.0.1',
    port,
    hostPort: `127.0.0.1:${port}`,
    collections: o.collections,
    commands: [],
    latencyMs: 0,
    faults: undefined,
    get down() {
      return down
    },
    set down(value: boolean) {
      down = value
      if (value) for (const s of sockets) s.destroy()
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy()
        cursors.clear()
        server.close((err) => (err ? reject(err) : resolve()))
      })
  }
  return standIn
}
