// The three S3 calls the simulated ingest-image makes, as plain HTTP to
// fauxqs (which checks no signature). It runs in the sandbox's one
// thread beside fauxqs and the proxy, once or twice per moved image: with
// the SDK's middleware, signing and XML parsing per call it took a share
// of that thread which the benchmark then charged to every tool.
import { Agent, request, type IncomingHttpHeaders } from 'node:http'

export interface RawObject {
  body: Buffer
  contentType: string | undefined
  metadata: Record<string, string>
}

export interface RawS3 {
  get(bucket: string, key: string): Promise<RawObject>
  delete(bucket: string, key: string): Promise<void>
  copy(from: string, key: string, to: string): Promise<void>
  close(): void
}

/** `bucket/key` with each segment of the key encoded, as S3 paths want. */
export function objectPath(bucket: string, key: string): string {
  return `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
}

export function rawS3(endpoint: string): RawS3 {
  const { hostname, port } = new URL(endpoint)
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })

  const send = (
    method: string,
    path: string,
    headers: Record<string, string> = {}
  ) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>(
      (done, fail) => {
        const req = request(
          { host: hostname, port, method, path, headers, agent },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () =>
              done({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks)
              })
            )
            res.on('error', fail)
          }
        )
        req.on('error', fail)
        req.end()
      }
    )

  const ok = async (
    what: string,
    answer: Promise<{ status: number; body: Buffer }>
  ) => {
    const { status, body } = await answer
    // A copy can fail inside a 200: S3 then answers with an <Error> body.
    if (status >= 300 || body.subarray(0, 200).includes('<Error>')) {
      throw new Error(
        `${what}: HTTP ${status} ${body.toString('utf8', 0, 200)}`
      )
    }
  }

  return {
    async get(bucket, key) {
      const answer = await send('GET', objectPath(bucket, key))
      if (answer.status !== 200) {
        throw new Error(`GetObject ${bucket}/${key}: HTTP ${answer.status}`)
      }
      const metadata: Record<string, string> = {}
      for (const [name, value] of Object.entries(answer.headers)) {
        if (name.startsWith('x-amz-meta-') && typeof value === 'string') {
          metadata[name.slice('x-amz-meta-'.length)] = value
        }
      }
      return {
        body: answer.body,
        contentType: answer.headers['content-type'],
        metadata
      }
    },
    delete: (bucket, key) =>
      ok(
        `DeleteObject ${bucket}/${key}`,
        send('DELETE', objectPath(bucket, key))
      ),
    copy: (from, key, to) =>
      ok(
        `CopyObject ${from}/${key} to ${to}`,
        send('PUT', objectPath(to, key), {
          'x-amz-copy-source': objectPath(from, key).slice(1)
        })
      ),
    close: () => agent.destroy()
  }
}
