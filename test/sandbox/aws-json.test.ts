// Proves the AWS stand-in against the real SDK v3 clients: if these pass, the
// gate's own SSM and Batch calls see what they would see from AWS.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  AddTagsToResourceCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient
} from '@aws-sdk/client-ssm'
import {
  BatchClient,
  DescribeJobsCommand,
  ListJobsCommand,
  paginateListJobs,
  type JobStatus
} from '@aws-sdk/client-batch'
import {
  startAwsJsonStandIn,
  type AwsJsonStandIn,
  type BatchJob
} from '../../sandbox/aws-json.js'

const region = 'us-west-2'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const queue = 'animl-ingest-queue'
const queueArn = `arn:aws:batch:${region}:123456789012:job-queue/${queue}`

function job(n: number, status: string, extra: Partial<BatchJob> = {}) {
  return {
    jobId: `job-${n}`,
    jobName: `batch-${n}`,
    jobQueue: queue,
    status,
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, n)).toISOString(),
    task: null,
    ...extra
  }
}

/** What a call rejects with, so a test can assert on it (and fails if none). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  const outcome = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  if (!(outcome instanceof Error)) throw new Error('call did not reject')
  return outcome
}

let stand: AwsJsonStandIn
let ssm: SSMClient
let batch: BatchClient

beforeEach(async () => {
  stand = await startAwsJsonStandIn({
    region,
    ssm: {
      '/animl/maintenance': { type: 'String', value: 'false' },
      '/animl/db-password': { type: 'SecureString', value: 's3cret' },
      '/animl/nested/deep': { type: 'String', value: 'x' }
    },
    batchJobs: [
      job(1, 'RUNNING', { task: { batch: 'b1', op: 'ingest' } }),
      job(2, 'RUNNABLE'),
      job(3, 'SUCCEEDED'),
      job(4, 'RUNNING', { jobQueue: 'other-queue' }),
      job(5, 'FAILED')
    ]
  })
  const common = { region, credentials, endpoint: stand.endpoint }
  ssm = new SSMClient({ ...common, maxAttempts: 1 })
  batch = new BatchClient({ ...common, maxAttempts: 1 })
})

afterEach(async () => {
  ssm.destroy()
  batch.destroy()
  await stand.stop()
})

describe('SSM', () => {
  it('decrypts a SecureString only when asked', async () => {
    const name = '/animl/db-password'
    const plain = await ssm.send(
      new GetParameterCommand({ Name: name, WithDecryption: true })
    )
    expect(plain.Parameter).toMatchObject({
      Name: name,
      Type: 'SecureString',
      Value: 's3cret',
      Version: 1,
      DataType: 'text',
      ARN: `arn:aws:ssm:${region}:123456789012:parameter${name}`
    })
    expect(plain.Parameter?.LastModifiedDate).toBeInstanceOf(Date)
    const hidden = await ssm.send(new GetParameterCommand({ Name: name }))
    expect(hidden.Parameter?.Value).toBeTruthy()
    expect(hidden.Parameter?.Value).not.toBe('s3cret')
    expect(stand.calls[0]).toEqual({
      service: 'ssm',
      operation: 'GetParameter',
      input: { Name: name, WithDecryption: true }
    })
  })

  it('maps a missing parameter to the SDK ParameterNotFound error', async () => {
    const err = await rejection(
      ssm.send(new GetParameterCommand({ Name: '/animl/nope' }))
    )
    expect(err.name).toBe('ParameterNotFound')
    expect(err).toBeInstanceOf(ParameterNotFound)
    expect(
      (err as { $metadata?: { httpStatusCode?: number } }).$metadata
    ).toMatchObject({ httpStatusCode: 400 })
  })

  it('GetParameters splits found and missing names', async () => {
    const out = await ssm.send(
      new GetParametersCommand({
        Names: ['/animl/maintenance', '/animl/gone', '/animl/db-password'],
        WithDecryption: true
      })
    )
    expect(out.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
      ['/animl/maintenance', 'false'],
      ['/animl/db-password', 's3cret']
    ])
    expect(out.InvalidParameters).toEqual(['/animl/gone'])
  })

  it('PutParameter needs Overwrite, then bumps Version and the map', async () => {
    const Name = '/animl/maintenance'
    const refused = await rejection(
      ssm.send(new PutParameterCommand({ Name, Value: 'true', Type: 'String' }))
    )
    expect(refused.name).toBe('ParameterAlreadyExists')
    expect(stand.ssm.get(Name)?.value).toBe('false')

    const before = stand.ssm.get(Name)!.lastModified
    const put = await ssm.send(
      new PutParameterCommand({
        Name,
        Value: 'true',
        Type: 'String',
        Overwrite: true
      })
    )
    expect(put.Version).toBe(2)
    expect(stand.ssm.get(Name)).toMatchObject({ value: 'true', version: 2 })
    expect(stand.ssm.get(Name)!.lastModified >= before).toBe(true)
    const read = await ssm.send(new GetParameterCommand({ Name }))
    expect(read.Parameter).toMatchObject({ Value: 'true', Version: 2 })
  })

  it.each(['/aws/thing', 'SSM-thing', 'bad name!', 'no/leading', ''])(
    'rejects the invalid name %j with ValidationException',
    async (Name) => {
      const err = await rejection(
        ssm.send(new PutParameterCommand({ Name, Value: 'v', Type: 'String' }))
      )
      expect(err.name).toBe('ValidationException')
      expect(stand.ssm.has(Name)).toBe(false)
    }
  )

  it('stores a new parameter and tags it', async () => {
    const Name = '/animl/new'
    const put = await ssm.send(
      new PutParameterCommand({ Name, Value: 'v', Type: 'SecureString' })
    )
    expect(put.Version).toBe(1)
    await ssm.send(
      new AddTagsToResourceCommand({
        ResourceType: 'Parameter',
        ResourceId: Name,
        Tags: [{ Key: 'owner', Value: 'gate' }]
      })
    )
    expect(stand.ssm.get(Name)).toMatchObject({ type: 'SecureString' })
    expect(stand.calls.map((c) => c.operation)).toEqual([
      'PutParameter',
      'AddTagsToResource'
    ])
  })

  it('GetParametersByPath honours Recursive', async () => {
    const names = async (Recursive: boolean) =>
      (
        await ssm.send(
          new GetParametersByPathCommand({ Path: '/animl', Recursive })
        )
      ).Parameters?.map((p) => p.Name)
    expect(await names(false)).toEqual([
      '/animl/maintenance',
      '/animl/db-password'
    ])
    expect(await names(true)).toContain('/animl/nested/deep')
  })

  it('failing makes a matching call answer 500 InternalFailure', async () => {
    stand.failing.add('ssm:GetParameter')
    const err = await rejection(
      ssm.send(new GetParameterCommand({ Name: '/animl/maintenance' }))
    )
    expect(err.name).toBe('InternalFailure')
    expect(
      (err as { $metadata?: { httpStatusCode?: number } }).$metadata
    ).toMatchObject({ httpStatusCode: 500 })
    // Other operations are untouched.
    await ssm.send(new GetParametersCommand({ Names: ['/animl/maintenance'] }))
    stand.failing.clear()
    await ssm.send(new GetParameterCommand({ Name: '/animl/maintenance' }))
  })
})

describe('Batch', () => {
  const ids = async (input: { jobStatus?: JobStatus; jobQueue?: string }) =>
    (
      await batch.send(new ListJobsCommand({ jobQueue: queue, ...input }))
    ).jobSummaryList?.map((j) => j.jobId)

  it('ListJobs without jobStatus returns only RUNNING jobs', async () => {
    expect(await ids({})).toEqual(['job-1'])
    expect(stand.calls.at(-1)).toEqual({
      service: 'batch',
      operation: 'ListJobs',
      input: { jobQueue: queue }
    })
  })

  it.each<[JobStatus, string[]]>([
    ['SUBMITTED', []],
    ['PENDING', []],
    ['RUNNABLE', ['job-2']],
    ['STARTING', []],
    ['RUNNING', ['job-1']],
    ['SUCCEEDED', ['job-3']],
    ['FAILED', ['job-5']]
  ])('ListJobs with jobStatus %s', async (jobStatus, expected) => {
    expect(await ids({ jobStatus })).toEqual(expected)
  })

  it('accepts the queue as an ARN and returns full summaries', async () => {
    const out = await batch.send(
      new ListJobsCommand({ jobQueue: queueArn, jobStatus: 'RUNNING' })
    )
    expect(out.jobSummaryList).toEqual([
      {
        jobArn: `arn:aws:batch:${region}:123456789012:job/job-1`,
        jobId: 'job-1',
        jobName: 'batch-1',
        createdAt: Date.UTC(2025, 0, 1, 0, 1),
        status: 'RUNNING'
      }
    ])
    expect(await ids({ jobQueue: 'no-such-queue' })).toEqual([])
  })

  it('filters on JOB_NAME across every status', async () => {
    const out = await batch.send(
      new ListJobsCommand({
        jobQueue: queue,
        filters: [{ name: 'JOB_NAME', values: ['batch-*'] }]
      })
    )
    expect(out.jobSummaryList?.map((j) => j.jobId)).toEqual([
      'job-1',
      'job-2',
      'job-3',
      'job-5'
    ])
  })

  it('pages with maxResults 2 over 5 jobs', async () => {
    stand.batchJobs = [1, 2, 3, 4, 5].map((n) => job(n, 'RUNNING'))
    const first = await batch.send(
      new ListJobsCommand({ jobQueue: queue, maxResults: 2 })
    )
    expect(first.jobSummaryList).toHaveLength(2)
    expect(first.nextToken).toBeTypeOf('string')

    const seen: string[] = []
    let pages = 0
    for await (const p of paginateListJobs(
      { client: batch, pageSize: 2 },
      { jobQueue: queue }
    )) {
      pages += 1
      seen.push(...(p.jobSummaryList ?? []).map((j) => j.jobId!))
    }
    expect(pages).toBe(3)
    expect(seen).toEqual(['job-1', 'job-2', 'job-3', 'job-4', 'job-5'])
    expect(stand.calls.at(-1)?.input).toMatchObject({ maxResults: 2 })
  })

  it('DescribeJobs returns the TASK environment entry', async () => {
    const out = await batch.send(
      new DescribeJobsCommand({ jobs: ['job-1', 'job-2', 'missing'] })
    )
    const [one, two] = out.jobs ?? []
    expect(out.jobs).toHaveLength(2)
    expect(one).toMatchObject({ jobId: 'job-1', jobQueue: queueArn })
    const task = one?.container?.environment?.find((e) => e.name === 'TASK')
    expect(JSON.parse(task?.value ?? 'null')).toEqual({
      batch: 'b1',
      op: 'ingest'
    })
    expect(two?.container?.environment).toEqual([])
  })

  it('DescribeJobs over 100 ids is a ClientException', async () => {
    const jobs = Array.from({ length: 101 }, (_, i) => `id-${i}`)
    const err = await rejection(batch.send(new DescribeJobsCommand({ jobs })))
    expect(err.name).toBe('ClientException')
  })

  it('failing batch:* makes Batch calls fail and leaves SSM alone', async () => {
    stand.failing.add('batch:*')
    const err = await rejection(ids({}))
    expect(err.name).toBe('InternalFailure')
    await ssm.send(new GetParameterCommand({ Name: '/animl/maintenance' }))
  })
})

describe('endpoint from the environment', () => {
  it('honours AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_BATCH', async () => {
    const saved = { ...process.env }
    process.env.AWS_ENDPOINT_URL_SSM = stand.endpoint
    process.env.AWS_ENDPOINT_URL_BATCH = stand.endpoint
    const envSsm = new SSMClient({ region, credentials, maxAttempts: 1 })
    const envBatch = new BatchClient({ region, credentials, maxAttempts: 1 })
    try {
      await envSsm.send(new GetParameterCommand({ Name: '/animl/maintenance' }))
      await envBatch.send(new ListJobsCommand({ jobQueue: queue }))
      expect(stand.calls.map((c) => c.operation)).toEqual([
        'GetParameter',
        'ListJobs'
      ])
    } finally {
      envSsm.destroy()
      envBatch.destroy()
      process.env = saved
    }
  })
})
