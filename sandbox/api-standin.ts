// Plays Animl's GraphQL API as far as the maintenance flag goes: it reads
// the api flag through a cache (a warm Lambda container keeps its config
// for a while) and, while the flag is on, refuses every mutation with a
// maintenance error. Queries always answer. Any path takes POST
// `{ "query": "..." }`; the first word of the query decides.
import {
  createServer,
  type IncomingMessage,
  type ServerResponse
} from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ApiStandInOptions {
  /** Reads the api flag's current value (the SSM stand-in's map). */
  readFlag: () => string | undefined
  flagCacheSeconds: number
  now?: () => number
}

export interface ApiStandIn {
  url: string // 'http://127.0.0.1:PORT/graphql'
  /** Every request, in order: the operation kind and the answer's status. */
  requests: { kind: 'query' | 'mutation'; status: number }[]
  stop(): Promise<void>
}

// 503 rather than 200: a probe (or a load balancer) can tell refusal by
// status alone, and the GraphQL error still says why.
export const MAINTENANCE_STATUS = 503

export async function startApiStandIn(
  o: ApiStandInOptions
): Promise<ApiStandIn> {
  const now = o.now ?? Date.now
  // A warm container: it read the flag when the sandbox started.
  let cached = { value: o.readFlag(), at: now() }
  const inMaintenance = () => {
    if (now() - cached.at >= o.flagCacheSeconds * 1_000) {
      cached = { value: o.readFlag(), at: now() }
    }
    return cached.value === 'true'
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    let query: string
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
      query = typeof body.query === 'string' ? body.query : ''
    } catch {
      return answer(res, 400, { errors: [{ message: 'Body is not JSON' }] })
    }
    const kind = /^\s*mutation\b/.test(query) ? 'mutation' : 'query'
    if (kind === 'mutation' && inMaintenance()) {
      stand.requests.push({ kind, status: MAINTENANCE_STATUS })
      return answer(res, MAINTENANCE_STATUS, {
        errors: [
          {
            message: 'Animl is in maintenance; try again later',
            extensions: { code: 'MAINTENANCE' }
          }
        ]
      })
    }
    stand.requests.push({ kind, status: 200 })
    answer(res, 200, { data: { ok: true } })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => answer(res, 500, { errors: [] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const stand: ApiStandIn = {
    url: `http://127.0.0.1:${port}/graphql`,
    requests: [],
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      })
  }
  return stand
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify(body))
}
