// The gate's own ListJobs reading, against the AWS JSON stand-in through
// the real SDK client: every unfinished state, past one page, each job
// once even when it changes state while the states are listed.
import { BatchClient, ListJobsCommand } from '@aws-sdk/client-batch'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  startAwsJsonStandIn,
  type AwsJsonStandIn,
  type BatchJob
} from '../../sandbox/aws-json'
import type { AwsClients } from '../../src/clients'
import { readInFlightJobs } from '../../src/sources/batch-jobs'

const QUEUE = 'animl-batch-ingestion-prod'
const STATES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING']
const UUID = '0b6f2d4e-1c1a-4f6e-9a57-2f0d8f1f0c11'

function job(n: number, status: string): BatchJob {
  return {
    jobId: `job-${n}`,
    jobName: 'process-batch',
    jobQueue: QUEUE,
    status,
    createdAt: new Date(Date.UTC(2026, 11, 4, 0, 0, n)).toISOString(),
    task: n === 0 ? { Bucket: 'b', Key: `batch-${UUID}.zip` } : null
  }
}

let stand: AwsJsonStandIn
let batch: BatchClient

beforeEach(async () => {
  // 260 unfinished jobs spread over every state, and finished ones.
  const jobs = Array.from({ length: 300 }, (_, n) =>
    job(n, n >= 260 ? 'SUCCEEDED' : STATES[n % STATES.length]!)
  )
  stand = await startAwsJsonStandIn({
    region: 'us-west-2',
    ssm: {},
    batchJobs: jobs
  })
  batch = new BatchClient({
    region: 'us-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    endpoint: stand.endpoint,
    maxAttempts: 1
  })
})

afterEach(async () => {
  batch.destroy()
  await stand.stop()
})

const clients = () => ({ batch }) as unknown as AwsClients

describe('readInFlightJobs', () => {
  it('reads every unfinished job of every state, over several pages', async () => {
    const jobs = await readInFlightJobs(QUEUE, clients())
    expect(jobs).toHaveLength(260)
    expect(new Set(jobs.map((j) => j.status))).toEqual(new Set(STATES))
    const lists = stand.calls.filter((c) => c.operation === 'ListJobs')
    // 52 jobs a state at 100 a page: one page each; RUNNING is asked for
    // by name like the others.
    expect(
      lists.map((c) => (c.input as { jobStatus?: string }).jobStatus)
    ).toEqual(STATES)
    expect(jobs.find((j) => j.jobId === 'job-0')?.batchId).toBe(`batch-${UUID}`)
    expect(jobs.find((j) => j.jobId === 'job-1')?.batchId).toBeNull()
  })

  it('pages past 100 jobs of one state', async () => {
    stand.batchJobs = Array.from({ length: 250 }, (_, n) => job(n, 'RUNNABLE'))
    const jobs = await readInFlightJobs(QUEUE, clients())
    expect(jobs).toHaveLength(250)
    const runnable = stand.calls.filter(
      (c) =>
        c.operation === 'ListJobs' &&
        (c.input as { jobStatus?: string }).jobStatus === 'RUNNABLE'
    )
    expect(runnable).toHaveLength(3)
  })

  it('counts a job once when it moves on while the states are listed', async () => {
    stand.batchJobs = [job(1, 'RUNNABLE'), job(2, 'RUNNING')]
    const send = batch.send.bind(batch)
    // After RUNNABLE was listed, job-1 starts: STARTING lists it again.
    batch.send = (async (command: unknown) => {
      const answer = await send(command as ListJobsCommand)
      const input = (command as ListJobsCommand).input
      if (
        command instanceof ListJobsCommand &&
        input.jobStatus === 'RUNNABLE'
      ) {
        stand.batchJobs[0]!.status = 'STARTING'
      }
      return answer
    }) as typeof batch.send
    const jobs = await readInFlightJobs(QUEUE, clients())
    expect(jobs.map((j) => j.jobId).sort()).toEqual(['job-1', 'job-2'])
  })
})
