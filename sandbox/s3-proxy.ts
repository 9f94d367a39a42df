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

export interface S3Proxy {
  endpoint: string
  /** Requests seen, per operation name. */
  counts: Map<string, number>
  beforeForward: BeforeForward[]
  onObjectCreated: ObjectCreated[]
  total(): number
  reset(): void
  stop(): Promise<void>
}

const CREATES = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload'])

export async function startS3Proxy(upstreamPort: number): Promise<S3Proxy> {
  // Many sockets kept alive: peers open up to 64 connections at once.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const proxy: S3Proxy = {
    endpoint: '',
    counts: new Map(),
    beforeForward: [],
    onObjectCreated: [],
    total: () => [...proxy.counts.values()].reduce((a, b) => a + b, 0),
    reset: () => proxy.counts.clear(),
    stop: async () => {}
  }
  const server = createServer((req, res) => {
    handle(proxy, agent, upstreamPort, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502)
      res.end(String(error))
    })
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
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const op = identify(req.method ?? 'GET', req.url ?? '/', req.headers)
  proxy.counts.set(op.name, (proxy.counts.get(op.name) ?? 0) + 1)
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
    answer.pipe(res)
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
  req.pipe(upstream)
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
