// A local stand-in for the two AWS services the gate calls: SSM Parameter
// Store (AWS JSON 1.1) and AWS Batch (REST-JSON). It answers on one HTTP port
// so the real SDK v3 clients work against it unchanged via `endpoint` or
// AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_BATCH. Only the operations the gate
// uses are implemented, but those follow AWS's observable behaviour closely
// (error names, defaults, paging) because the gate's logic depends on them.
import {
  createServer,
  type IncomingMessage,
  type ServerResponse
} from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { sleep, type Faults } from './faults'

export interface SsmParam {
  type: 'String' | 'SecureString'
  value: string
}
export interface BatchJob {
  jobId: string
  jobName: string
  jobQueue: string
  status: string
  createdAt: string /* ISO */
  task: unknown | null
}
export interface AwsCall {
  service: 'ssm' | 'batch'
  operation: string
  input: unknown
}
export interface AwsJsonStandIn {
  endpoint: string
  ssm: Map<string, StoredParam>
  batchJobs: BatchJob[]
  calls: AwsCall[]
  failing: Set<string>
  /** Seeded faults per call (the sandbox shares one set of rules). */
  faults: Faults | undefined
  stop(): Promise<void>
}

type StoredParam = SsmParam & {
  version: number
  lastModified: Date
  description?: string
  lastModifiedUser?: string
}
type Input = Record<string, unknown>
// Handlers see the stand-in's live fields, so tests may replace them.
interface Ctx extends Pick<AwsJsonStandIn, 'ssm' | 'batchJobs'> {
  region: string
  accountId: string
}
type Handler = (input: Input, ctx: Ctx) => unknown

/** Thrown by handlers; becomes an AWS-shaped JSON error response. */
class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400
  ) {
    super(message)
  }
}

// ---------------------------------------------------------------- SSM

const SSM_NAME = /^[a-zA-Z0-9_.\-/]{1,2048}$/

function validateParamName(name: unknown): string {
  if (typeof name !== 'string' || !SSM_NAME.test(name)) {
    throw new AwsError('ValidationException', `Invalid parameter name: ${name}`)
  }
  // AWS reserves these prefixes, with or without the leading slash.
  if (/^\/?(aws|ssm)/i.test(name)) {
    throw new AwsError(
      'ValidationException',
      `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive).`
    )
  }
  // A hierarchical name must be fully qualified, as in AWS.
  if (name.includes('/') && !name.startsWith('/')) {
    throw new AwsError(
      'ValidationException',
      'Parameter name must be a fully qualified name.'
    )
  }
  return name
}

function paramArn(ctx: Ctx, name: string): string {
  const path = name.startsWith('/') ? name : `/${name}`
  return `arn:aws:ssm:${ctx.region}:${ctx.accountId}:parameter${path}`
}

function renderParam(ctx: Ctx, name: string, p: StoredParam, decrypt: boolean) {
  // Without decryption AWS returns KMS ciphertext; any opaque string will do
  // as long as it is not the plain value, so callers that forget
  // WithDecryption fail visibly.
  const hidden = p.type === 'SecureString' && !decrypt
  const value = hidden
    ? Buffer.from(`ciphertext:${name}:${p.version}`).toString('base64')
    : p.value
  return {
    Name: name,
    Type: p.type,
    Value: value,
    Version: p.version,
    LastModifiedDate: p.lastModified.getTime() / 1000,
    ARN: paramArn(ctx, name),
    DataType: 'text'
  }
}

/** Renders names already known to exist. */
function renderAll(ctx: Ctx, names: string[], decrypt: boolean) {
  return names.map((n) => renderParam(ctx, n, ctx.ssm.get(n)!, decrypt))
}

function lookupParam(ctx: Ctx, name: unknown): [string, StoredParam] {
  const p = typeof name === 'string' ? ctx.ssm.get(name) : undefined
  if (!p) throw new AwsError('ParameterNotFound', `Parameter ${name} not found`)
  return [name as string, p]
}

const ssmHandlers: Record<string, Handler> = {
  GetParameter(input, ctx) {
    const [name, p] = lookupParam(ctx, input.Name)
    return {
      Parameter: renderParam(ctx, name, p, input.WithDecryption === true)
    }
  },

  GetParameters(input, ctx) {
    const names = input.Names
    if (!Array.isArray(names) || names.length < 1 || names.length > 10) {
      throw new AwsError('ValidationException', 'Names must hold 1 to 10 names')
    }
    const found = names.filter((n: string) => ctx.ssm.has(n))
    return {
      Parameters: renderAll(ctx, found, input.WithDecryption === true),
      InvalidParameters: names.filter((n: string) => !ctx.ssm.has(n))
    }
  },

  PutParameter(input, ctx) {
    const name = validateParamName(input.Name)
    const existing = ctx.ssm.get(name)
    if (existing && input.Overwrite !== true) {
      throw new AwsError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.'
      )
    }
    // An overwrite may omit Type and keeps the old one; a new one needs it.
    const type = input.Type ?? existing?.type
    if (type !== 'String' && type !== 'SecureString') {
      throw new AwsError('ValidationException', `Unsupported Type: ${type}`)
    }
    if (typeof input.Value !== 'string' || input.Value === '') {
      throw new AwsError('ValidationException', 'Value must not be empty')
    }
    const version = (existing?.version ?? 0) + 1
    // An overwrite without a Description keeps the one it had.
    const description =
      typeof input.Description === 'string'
        ? input.Description
        : existing?.description
    ctx.ssm.set(name, {
      type,
      value: input.Value,
      version,
      lastModified: new Date(),
      lastModifiedUser: `arn:aws:iam::${ctx.accountId}:user/sandbox`,
      ...(description !== undefined && { description })
    })
    return { Version: version, Tier: 'Standard' }
  },

  // Metadata only (never values); the gate filters by exact names.
  DescribeParameters(input, ctx) {
    const filters = (input.ParameterFilters ?? []) as {
      Key?: string
      Option?: string
      Values?: string[]
    }[]
    const byName = filters.find((f) => f.Key === 'Name')
    if (
      filters.length !== 1 ||
      !byName ||
      (byName.Option ?? 'Equals') !== 'Equals'
    ) {
      throw new AwsError(
        'ValidationException',
        'Only a Name Equals filter is played'
      )
    }
    const names = (byName.Values ?? []).filter((n) => ctx.ssm.has(n))
    return {
      Parameters: names.map((name) => {
        const p = ctx.ssm.get(name)!
        return {
          Name: name,
          Type: p.type,
          Version: p.version,
          LastModifiedDate: p.lastModified.getTime() / 1000,
          ...(p.lastModifiedUser && { LastModifiedUser: p.lastModifiedUser }),
          ...(p.description !== undefined && { Description: p.description }),
          DataType: 'text',
          Tier: 'Standard'
        }
      })
    }
  },

  AddTagsToResource(input, ctx) {
    // Tags are not kept: the gate only sets them, never reads them back.
    if (input.ResourceType === 'Parameter') lookupParam(ctx, input.ResourceId)
    return {}
  },

  GetParametersByPath(input, ctx) {
    const path = input.Path
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new AwsError('ValidationException', 'Path must start with /')
    }
    const prefix = path.endsWith('/') ? path : `${path}/`
    const under = [...ctx.ssm.keys()].filter(
      (n) =>
        n.startsWith(prefix) &&
        (input.Recursive === true || !n.slice(prefix.length).includes('/'))
    )
    const { items, nextToken } = page(
      under,
      input.NextToken,
      input.MaxResults,
      {
        byDefault: 10,
        cap: 10
      }
    )
    return {
      Parameters: renderAll(ctx, items, input.WithDecryption === true),
      ...(nextToken && { NextToken: nextToken })
    }
  }
}

// ---------------------------------------------------------------- Batch

const JOB_STATUSES =
  'SUBMITTED PENDING RUNNABLE STARTING RUNNING SUCCEEDED FAILED'.split(' ')

function queueArn(ctx: Ctx, name: string): string {
  return `arn:aws:batch:${ctx.region}:${ctx.accountId}:job-queue/${name}`
}

function jobArn(ctx: Ctx, job: BatchJob): string {
  return `arn:aws:batch:${ctx.region}:${ctx.accountId}:job/${job.jobId}`
}

/** Glob match as Batch's JOB_NAME filter does it: only a trailing '*'. */
function nameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*')
    ? name.startsWith(pattern.slice(0, -1))
    : name === pattern
}

// Only JOB_NAME is played; the gate uses no other filter, and failing loudly
// beats silently matching everything.
function filterMatches(f: unknown, job: BatchJob): boolean {
  const { name, values } = (f ?? {}) as { name?: string; values?: string[] }
  if (name !== 'JOB_NAME') {
    throw new AwsError('ClientException', `Unsupported filter name: ${name}`)
  }
  return nameMatches(values?.[0] ?? '', job.jobName)
}

function selectJobs(input: Input, ctx: Ctx): BatchJob[] {
  const queue = input.jobQueue
  if (typeof queue !== 'string') {
    throw new AwsError('ClientException', 'jobQueue is required')
  }
  const status = input.jobStatus
  if (status !== undefined && !JOB_STATUSES.includes(status as string)) {
    throw new AwsError('ClientException', `Invalid jobStatus: ${status}`)
  }
  const filters = Array.isArray(input.filters) ? input.filters : []
  return ctx.batchJobs.filter((job) => {
    const inQueue =
      queue === job.jobQueue || queue === queueArn(ctx, job.jobQueue)
    if (!inQueue) return false
    // With filters AWS ignores jobStatus and returns every status; without
    // either it returns RUNNING only, which is easy to forget.
    if (filters.length > 0) return filters.every((f) => filterMatches(f, job))
    return job.status === (status ?? 'RUNNING')
  })
}

const batchHandlers: Record<string, [string, Handler]> = {
  '/v1/listjobs': [
    'ListJobs',
    (input, ctx) => {
      const jobs = selectJobs(input, ctx)
      const { items, nextToken } = page(
        jobs,
        input.nextToken,
        input.maxResults,
        {
          byDefault: 100,
          cap: 1000
        }
      )
      return {
        jobSummaryList: items.map((job) => ({
          jobArn: jobArn(ctx, job),
          jobId: job.jobId,
          jobName: job.jobName,
          createdAt: Date.parse(job.createdAt),
          status: job.status
        })),
        ...(nextToken && { nextToken })
      }
    }
  ],
  '/v1/describejobs': [
    'DescribeJobs',
    (input, ctx) => {
      const ids = input.jobs
      if (!Array.isArray(ids) || ids.length > 100) {
        throw new AwsError('ClientException', 'jobs must hold at most 100 ids')
      }
      // Unknown ids are silently left out, as AWS does.
      const jobs = ctx.batchJobs.filter((job) => ids.includes(job.jobId))
      return { jobs: jobs.map((job) => describeJob(ctx, job)) }
    }
  ]
}

function describeJob(ctx: Ctx, job: BatchJob) {
  const environment =
    job.task === null ? [] : [{ name: 'TASK', value: JSON.stringify(job.task) }]
  return {
    jobArn: jobArn(ctx, job),
    jobId: job.jobId,
    jobName: job.jobName,
    jobQueue: queueArn(ctx, job.jobQueue),
    status: job.status,
    createdAt: Date.parse(job.createdAt),
    jobDefinition: `arn:aws:batch:${ctx.region}:${ctx.accountId}:job-definition/${job.jobName}:1`,
    container: { environment }
  }
}

// ---------------------------------------------------------------- shared

/**
 * Offset paging behind an opaque token. The token is base64 so callers cannot
 * come to depend on its shape, just as with AWS.
 */
function page<T>(
  all: T[],
  token: unknown,
  max: unknown,
  { byDefault, cap }: { byDefault: number; cap: number }
): { items: T[]; nextToken?: string } {
  let start = 0
  if (typeof token === 'string') {
    start = Number(
      Buffer.from(token, 'base64').toString('utf8').replace(/^o:/, '')
    )
    if (!Number.isInteger(start) || start < 0) {
      throw new AwsError('ClientException', 'Invalid nextToken')
    }
  }
  const size = Math.min(
    typeof max === 'number' && max > 0 ? max : byDefault,
    cap
  )
  const end = start + size
  const items = all.slice(start, end)
  if (end >= all.length) return { items }
  return { items, nextToken: Buffer.from(`o:${end}`).toString('base64') }
}

function route(req: IncomingMessage): {
  service: 'ssm' | 'batch'
  operation: string
  handler?: Handler
} {
  const target = req.headers['x-amz-target']
  if (typeof target === 'string' && target.startsWith('AmazonSSM.')) {
    const operation = target.slice('AmazonSSM.'.length)
    return { service: 'ssm', operation, handler: ssmHandlers[operation] }
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  const known = batchHandlers[path]
  return known
    ? { service: 'batch', operation: known[0], handler: known[1] }
    : { service: 'batch', operation: `${req.method} ${path}` }
}

async function readJson(req: IncomingMessage): Promise<Input> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text) as Input
  } catch {
    throw new AwsError('SerializationException', 'Body is not valid JSON')
  }
}

function send(
  res: ServerResponse,
  service: string,
  status: number,
  body: unknown
) {
  const type =
    service === 'ssm' ? 'application/x-amz-json-1.1' : 'application/json'
  const headers: Record<string, string> = {
    'content-type': type,
    'x-amzn-requestid': randomUUID()
  }
  // The SDK reads the error name from this header before the body.
  const errorType = (body as { __type?: string }).__type
  if (errorType) headers['x-amzn-errortype'] = errorType
  res.writeHead(status, headers).end(JSON.stringify(body))
}

/**
 * Plays the fault picked for this call: latency, then a throttle (as each
 * service names it), a 500, or a dropped connection (true: no answer).
 */
async function injectFault(
  faults: Faults,
  service: 'ssm' | 'batch',
  operation: string,
  req: IncomingMessage
): Promise<boolean> {
  const { latencyMs, failure } = faults.pick(service, operation)
  if (latencyMs > 0) await sleep(latencyMs)
  if (failure === 'reset') {
    req.socket.destroy()
    return true
  }
  if (failure === 'throttle') {
    if (service === 'batch') {
      throw new AwsError('TooManyRequestsException', 'Too Many Requests', 429)
    }
    // Concurrent writes of one parameter get TooManyUpdates, the rest a
    // plain rate throttle.
    if (operation === 'PutParameter') {
      throw new AwsError('TooManyUpdates', 'Too many updates', 400)
    }
    throw new AwsError('ThrottlingException', 'Rate exceeded', 400)
  }
  if (failure === 'error') {
    const type = service === 'batch' ? 'ServerException' : 'InternalServerError'
    throw new AwsError(type, 'Injected server error', 500)
  }
  return false
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  stand: AwsJsonStandIn,
  ctx: Ctx
) {
  const { service, operation, handler } = route(req)
  try {
    const input = await readJson(req)
    stand.calls.push({ service, operation, input })
    // A rule may also name one parameter, `ssm:PutParameter:/a/b`, so a
    // test can make a run fail part-way.
    const name = (input as { Name?: unknown }).Name
    if (
      stand.failing.has(`${service}:*`) ||
      stand.failing.has(`${service}:${operation}`) ||
      stand.failing.has(`${service}:${operation}:${String(name)}`)
    ) {
      throw new AwsError('InternalFailure', 'Injected failure', 500)
    }
    if (
      stand.faults &&
      (await injectFault(stand.faults, service, operation, req))
    ) {
      return
    }
    if (!handler) {
      throw new AwsError(
        'UnknownOperationException',
        `Not played: ${operation}`
      )
    }
    send(res, service, 200, handler(input, ctx))
  } catch (err) {
    const e =
      err instanceof AwsError
        ? err
        : new AwsError('InternalFailure', String(err), 500)
    send(res, service, e.status, { __type: e.type, message: e.message })
  }
}

export async function startAwsJsonStandIn(o: {
  ssm: Record<string, SsmParam>
  batchJobs: BatchJob[]
  region: string
  accountId?: string
}): Promise<AwsJsonStandIn> {
  const seeded = Object.entries(o.ssm).map(
    ([name, p]): [string, StoredParam] => [
      name,
      { ...p, version: 1, lastModified: new Date() }
    ]
  )
  const ssm = new Map(seeded)
  const server = createServer((req, res) => void handle(req, res, stand, ctx))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const stand: AwsJsonStandIn = {
    endpoint: `http://127.0.0.1:${port}`,
    ssm,
    batchJobs: o.batchJobs,
    calls: [],
    failing: new Set(),
    faults: undefined,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // The SDK keeps sockets alive; close them or close() waits forever.
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      })
  }
  const ctx: Ctx = {
    region: o.region,
    accountId: o.accountId ?? '123456789012',
    get ssm() {
      return stand.ssm
    },
    get batchJobs() {
      return stand.batchJobs
    }
  }
  return stand
}
