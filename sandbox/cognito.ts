// A local stand-in for the two Cognito user pool calls the gate makes,
// ListUsers and AdminUserGlobalSignOut, in AWS JSON 1.1 as the SDK sends
// them (X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>).
// Point AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER at `endpoint`.
import {
  createServer,
  type IncomingMessage,
  type ServerResponse
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'

export interface CognitoUser {
  username: string
  /** How many times the user was signed out everywhere. */
  signOuts: number
}

export interface CognitoCall {
  operation: string
  input: Record<string, unknown>
  at: number // ms since epoch
}

export interface CognitoStandIn {
  endpoint: string
  /** Pool id → users; tests may fill it. */
  pools: Map<string, CognitoUser[]>
  calls: CognitoCall[]
  /** `ListUsers`, `AdminUserGlobalSignOut`, or `AdminUserGlobalSignOut:<user>`: answer 500. */
  failing: Set<string>
  stop(): Promise<void>
}

const PREFIX = 'AWSCognitoIdentityProviderService.'
const MAX_PAGE = 60

class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400
  ) {
    super(message)
  }
}

function poolOf(stand: CognitoStandIn, id: unknown): CognitoUser[] {
  const users = typeof id === 'string' ? stand.pools.get(id) : undefined
  if (!users) {
    throw new CognitoError(
      'ResourceNotFoundException',
      `User pool ${String(id)} does not exist.`
    )
  }
  return users
}

type Handler = (
  input: Record<string, unknown>,
  stand: CognitoStandIn
) => unknown

const handlers: Record<string, Handler> = {
  ListUsers(input, stand) {
    const users = poolOf(stand, input.UserPoolId)
    const limit = input.Limit ?? MAX_PAGE
    if (typeof limit !== 'number' || limit < 1 || limit > MAX_PAGE) {
      throw new CognitoError(
        'InvalidParameterException',
        `Limit must be 1 to ${MAX_PAGE}`
      )
    }
    let start = 0
    if (input.PaginationToken !== undefined) {
      start = Number(
        Buffer.from(String(input.PaginationToken), 'base64').toString()
      )
      if (!Number.isInteger(start) || start < 0) {
        throw new CognitoError('InvalidParameterException', 'Bad token')
      }
    }
    const page = users.slice(start, start + limit)
    const end = start + page.length
    return {
      Users: page.map((u) => ({
        Username: u.username,
        Attributes: [],
        Enabled: true,
        UserStatus: 'CONFIRMED',
        UserCreateDate: 1_700_000_000
      })),
      ...(end < users.length && {
        PaginationToken: Buffer.from(String(end)).toString('base64')
      })
    }
  },

  AdminUserGlobalSignOut(input, stand) {
    const user = poolOf(stand, input.UserPoolId).find(
      (u) => u.username === input.Username
    )
    if (!user) {
      throw new CognitoError('UserNotFoundException', 'User does not exist.')
    }
    user.signOuts++
    return {}
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  stand: CognitoStandIn
) {
  const target = String(req.headers['x-amz-target'] ?? '')
  const operation = target.startsWith(PREFIX)
    ? target.slice(PREFIX.length)
    : target
  try {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const input = (text ? JSON.parse(text) : {}) as Record<string, unknown>
    stand.calls.push({ operation, input, at: Date.now() })
    if (
      stand.failing.has(operation) ||
      stand.failing.has(`${operation}:${String(input.Username)}`)
    ) {
      throw new CognitoError('InternalErrorException', 'Injected failure', 500)
    }
    const handler = handlers[operation]
    if (!handler) {
      throw new CognitoError(
        'UnknownOperationException',
        `Not played: ${operation}`
      )
    }
    send(res, 200, handler(input, stand))
  } catch (err) {
    const e =
      err instanceof CognitoError
        ? err
        : new CognitoError('InternalErrorException', String(err), 500)
    send(res, e.status, { __type: e.type, message: e.message }, e.type)
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  errorType?: string
) {
  res
    .writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      ...(errorType && { 'x-amzn-errortype': errorType })
    })
    .end(JSON.stringify(body))
}

export async function startCognitoStandIn(): Promise<CognitoStandIn> {
  const server = createServer((req, res) => void handle(req, res, stand))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const stand: CognitoStandIn = {
    endpoint: `http://127.0.0.1:${port}`,
    pools: new Map(),
    calls: [],
    failing: new Set(),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      })
  }
  return stand
}
