// A small counting proxy in front of fauxqs's S3. Everything the action
// (or a peer tool in the benchmark) sends to S3 passes through it, so the
// sandbox can count requests per operation and play ingest-image: after a
// successful object-creating request on a watched bucket it tells its
// listeners. Bodies are streamed, never buffered, to keep the per-request
// overhead small: the proxy sits in every benchmark run.
import {
  Agent,
  createServer,
  request as forward,
  type IncomingMessage,
  type ServerResponse
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { sleep, type Faults } from './faults'

export interface S3Op {
  /** S3 API name, e.g. CopyObject, ListObjectsV2, DeleteObjects. */
  name: string
  bucket: string | undefined
  /** Raw (decoded) key, or undefined for a bucket-level operation. */
  key: string | undefined
}

/**
 * Runs before a request is forwarded. Returning true means the hook has
 * answered the request itself (a fault) and it is not forwarded. Issue #4
 * (fault injection: throttling, 500s, dropped connections, latency) plugs
 * in here.
 */
export type BeforeForward = (
  op: S3Op,
  req: IncomingMessage,
  res: ServerResponse
) => boolean | Promise<boolean>

export type ObjectCreated = (bucket: string, key: string) => void

/** One request, as the opt-in log keeps it. */
export interface LoggedRequest extends S3Op {
  /** Order of arrival among every logged event (arrival and end). */
  at: number
  /** Order of the end of the answer; undefined while in flight. */
  end?: number
  /** HTTP status answered; 0 for a dropped connection. */
  status?: number
  /** `x-amz-copy-source`, decoded: `bucket/key`. */
  copySource?: string
  /** DeleteObjects: the keys asked for. */
  keys?: string[]
  /** Request body text, for the SQS proxy (JSON protocol). */
  body?: string
}

export interface S3Proxy {
  endpoint: string
  /** Requests seen, per operation name. */
  counts: Map<string, number>
  beforeForward: BeforeForward[]
  onObjectCreated: ObjectCreated[]
  /** Set to [] to record every request from then on (tests only). */
  log: LoggedRequest[] | undefined
  total(): number
  reset(): void
  stop(): Promise<void>
}

export type Identify = (
  method: string,
  url: string,
  headers: IncomingMessage['headers']
) => S3Op

const CREATES = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload'])

// `identify` names the operation of a request: S3's by default; the
// sandbox runs a second instance in front of fauxqs's SQS with sqsOp.
export async function startS3Proxy(
  upstreamPort: number,
  identifyOp: Identify = identify
): Promise<S3Proxy> {
  // Many sockets kept alive: peers open up to 64 connections at once.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const proxy: S3Proxy = {
    endpoint: '',
    counts: new Map(),
    beforeForward: [],
    onObjectCreated: [],
    log: undefined,
    total: () => [...proxy.counts.values()].reduce((a, b) => a + b, 0),
    reset: () => proxy.counts.clear(),
    stop: async () => {}
  }
  const server = createServer((req, res) => {
    handle(proxy, agent, upstreamPort, identifyOp, req, res).catch(
      (error: unknown) => {
        if (!res.headersSent) res.writeHead(502)
        res.end(String(error))
      }
    )
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  proxy.endpoint = `http://127.0.0.1:${port}`
  proxy.stop = () =>
    new Promise((done) => {
      agent.destroy()
      server.closeAllConnections()
      server.close(() => done())
    })
  return proxy
}

async function handle(
  proxy: S3Proxy,
  agent: Agent,
  port: number,
  identifyOp: Identify,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const op = identifyOp(req.method ?? 'GET', req.url ?? '/', req.headers)
  proxy.counts.set(op.name, (proxy.counts.get(op.name) ?? 0) + 1)
  const logged = proxy.log && record(proxy.log, op, req, res)
  for (const hook of proxy.beforeForward) {
    if (await hook(op, req, res)) return
  }
  const upstream = forward({
    host: '127.0.0.1',
    port,
    method: req.method,
    path: req.url,
    headers: req.headers,
    agent
  })
  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    if (WHOLE_SECONDS.has(op.name)) wholeSeconds(answer, res)
    else answer.pipe(res)
    const created = CREATES.has(op.name) && (answer.statusCode ?? 0) < 300
    // A 200 CopyObject can still carry an error in its body; fauxqs never
    // does that, so the status is enough here.
    if (created && op.bucket && op.key !== undefined) {
      const { bucket, key } = op
      answer.on('end', () => {
        for (const listener of proxy.onObjectCreated) listener(bucket, key)
      })
    }
  })
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502)
    res.end(String(error))
  })
  if (logged && (op.name === 'DeleteObjects' || op.bucket === undefined)) {
    // Attached in the same tick as the pipe, so no chunk is missed.
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      if (op.name === 'DeleteObjects') logged.keys = deletedKeys(text)
      else logged.body = text
    })
  }
  req.pipe(upstream)
}

// Real S3 gives LastModified in whole seconds in these XML answers;
// fauxqs gives milliseconds. The bounce guard must work with seconds, so
// the sandbox answers as S3 does. The length does not change (.123Z
// becomes .000Z), so Content-Length stands.
const WHOLE_SECONDS = new Set(['ListObjectsV2', 'CopyObject'])

function wholeSeconds(answer: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = []
  answer.on('data', (chunk: Buffer) => chunks.push(chunk))
  answer.on('end', () => {
    const xml = Buffer.concat(chunks).toString('utf8')
    res.end(
      xml.replace(
        /(<LastModified>[^<.]+)\.\d{3}Z(<\/LastModified>)/g,
        '$1.000Z$2'
      )
    )
  })
  answer.on('error', () => res.destroy())
}

let events = 0

function record(
  log: LoggedRequest[],
  op: S3Op,
  req: IncomingMessage,
  res: ServerResponse
): LoggedRequest {
  const source = req.headers['x-amz-copy-source']
  const entry: LoggedRequest = { ...op, at: ++events }
  if (typeof source === 'string') {
    entry.copySource = decodeURIComponent(source.replace(/^\//, ''))
  }
  log.push(entry)
  res.on('finish', () => {
    entry.end = ++events
    entry.status = res.statusCode
  })
  res.on('close', () => {
    if (entry.end !== undefined) return
    entry.end = ++events
    entry.status = 0
  })
  return entry
}

// The keys of a DeleteObjects body: <Key>…</Key>, XML-escaped.
function deletedKeys(xml: string): string[] {
  return [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) =>
    (m[1] ?? '').replace(
      /&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi,
      (_, e: string) => {
        const named: Record<string, string> = {
          amp: '&',
          lt: '<',
          gt: '>',
          quot: '"',
          apos: "'"
        }
        if (e[0] !== '#') return named[e.toLowerCase()] ?? ''
        const code =
          e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))
        return String.fromCodePoint(code)
      }
    )
  )
}

/** The SQS operation of a JSON-protocol request (`X-Amz-Target`). */
export function sqsOp(
  _method: string,
  _url: string,
  headers: IncomingMessage['headers']
): S3Op {
  const target = headers['x-amz-target']
  const name =
    typeof target === 'string' && target.startsWith('AmazonSQS.')
      ? target.slice('AmazonSQS.'.length)
      : 'Unknown'
  return { name, bucket: undefined, key: undefined }
}

/**
 * A beforeForward hook that plays the faults `faults` picks for each
 * request: latency, then a throttle, a 500 or a dropped connection.
 */
export function faultHook(
  faults: Faults,
  service: 's3' | 'sqs'
): BeforeForward {
  return async (op, req, res) => {
    const { latencyMs, failure } = faults.pick(service, op.name)
    if (latencyMs > 0) await sleep(latencyMs)
    if (!failure) return false
    if (failure === 'reset') {
      req.socket.destroy()
      return true
    }
    // The body is not forwarded: read it off so the socket can be reused.
    req.resume()
    const throttle = failure === 'throttle'
    if (service === 's3') {
      const [status, code] = throttle
        ? [503, 'SlowDown']
        : [500, 'InternalError']
      res.writeHead(status, { 'content-type': 'application/xml' })
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>Injected ${code}</Message><RequestId>fault</RequestId></Error>`
      )
      return true
    }
    const [status, type] = throttle
      ? [400, 'ThrottlingException']
      : [500, 'InternalError']
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${type};${throttle ? 'Sender' : 'Receiver'}`
    })
    res.end(
      JSON.stringify({
        __type: `com.amazonaws.sqs#${type}`,
        message: `Injected ${type}`
      })
    )
    return true
  }
}

/** The S3 operation of a path-style request, from method, path and query. */
export function identify(
  method: string,
  url: string,
  headers: IncomingMessage['headers']
): S3Op {
  const [path = '/', query = ''] = url.split('?', 2)
  const params = new URLSearchParams(query)
  const slash = path.indexOf('/', 1)
  const bucketPart = slash === -1 ? path.slice(1) : path.slice(1, slash)
  const keyPart = slash === -1 ? '' : path.slice(slash + 1)
  const bucket = bucketPart ? decodeURIComponent(bucketPart) : undefined
  const key = keyPart ? decodeURIComponent(keyPart) : undefined
  const name = !bucket
    ? 'ListBuckets'
    : key === undefined
      ? bucketOp(method, params)
      : objectOp(method, params, headers['x-amz-copy-source'] !== undefined)
  return { name, bucket, key }
}

function bucketOp(method: string, params: URLSearchParams): string {
  if (method === 'POST' && params.has('delete')) return 'DeleteObjects'
  if (method === 'HEAD') return 'HeadBucket'
  if (method === 'PUT') return 'CreateBucket'
  if (method === 'DELETE') return 'DeleteBucket'
  if (params.has('location')) return 'GetBucketLocation'
  if (params.has('uploads')) return 'ListMultipartUploads'
  if (params.has('versions')) return 'ListObjectVersions'
  return params.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects'
}

function objectOp(
  method: string,
  params: URLSearchParams,
  copy: boolean
): string {
  const part = params.has('partNumber')
  if (method === 'PUT' && copy) return part ? 'UploadPartCopy' : 'CopyObject'
  if (method === 'PUT') return part ? 'UploadPart' : 'PutObject'
  if (method === 'POST' && params.has('uploads')) return 'CreateMultipartUpload'
  if (method === 'POST' && params.has('uploadId'))
    return 'CompleteMultipartUpload'
  if (method === 'DELETE')
    return params.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject'
  if (method === 'HEAD') return 'HeadObject'
  if (params.has('uploadId')) return 'ListParts'
  if (params.has('tagging')) return 'GetObjectTagging'
  return 'GetObject'
}
