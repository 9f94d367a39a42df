// Reads the zip jobs still in flight on the ingestion job queue.
import {
  DescribeJobsCommand,
  paginateListJobs,
  type JobStatus
} from '@aws-sdk/client-batch'
import type { AwsClients } from '../clients'
import { reading } from '../errors'
import { batchIdOf } from '../keys'

// ListJobs returns only RUNNING jobs unless asked for each state.
export const UNFINISHED_STATES: readonly JobStatus[] = [
  'SUBMITTED',
  'PENDING',
  'RUNNABLE',
  'STARTING',
  'RUNNING'
]

export interface InFlightJob {
  readonly jobId: string
  readonly jobName: string
  readonly status: string
  readonly createdAt?: Date
  /** The batch the job's TASK names, or null when it names none. */
  readonly batchId: string | null
}

const DESCRIBE_LIMIT = 100

export async function readInFlightJobs(
  queue: string,
  aws: AwsClients
): Promise<InFlightJob[]> {
  const summaries = await reading('batch', `jobs of queue ${queue}`, () =>
    listUnfinished(queue, aws)
  )
  const tasks = await reading('batch', `job details of queue ${queue}`, () =>
    describeTasks(
      summaries.map((job) => job.jobId),
      aws
    )
  )
  return summaries.map((job) => ({
    ...job,
    batchId: batchIdOfTask(tasks.get(job.jobId))
  }))
}

async function listUnfinished(queue: string, aws: AwsClients) {
  // By job id: a job that moves on while the states are listed one after
  // the other (RUNNABLE, then STARTING) must not be counted twice.
  const jobs = new Map<string, Omit<InFlightJob, 'batchId'>>()
  for (const jobStatus of UNFINISHED_STATES) {
    const pages = paginateListJobs(
      { client: aws.batch, pageSize: 100 },
      { jobQueue: queue, jobStatus }
    )
    for await (const page of pages) {
      for (const job of page.jobSummaryList ?? []) {
        jobs.set(job.jobId ?? '', {
          jobId: job.jobId ?? '',
          jobName: job.jobName ?? '',
          status: job.status ?? jobStatus,
          createdAt: job.createdAt ? new Date(job.createdAt) : undefined
        })
      }
    }
  }
  return [...jobs.values()]
}

/** The TASK environment value of each job, by job id. */
async function describeTasks(ids: string[], aws: AwsClients) {
  const tasks = new Map<string, string | undefined>()
  for (let start = 0; start < ids.length; start += DESCRIBE_LIMIT) {
    const chunk = ids.slice(start, start + DESCRIBE_LIMIT)
    const answer = await aws.batch.send(
      new DescribeJobsCommand({ jobs: chunk })
    )
    for (const job of answer.jobs ?? []) {
      const env = job.container?.environment ?? []
      const task = env.find((variable) => variable.name === 'TASK')
      tasks.set(job.jobId ?? '', task?.value)
    }
  }
  return tasks
}

/** Animl passes the zip's S3 location as JSON: `{ Bucket, Key, … }`. */
export function batchIdOfTask(task: string | undefined): string | null {
  if (!task) return null
  try {
    const parsed = JSON.parse(task) as { Key?: unknown }
    return typeof parsed.Key === 'string' ? batchIdOf(parsed.Key) : null
  } catch {
    return null
  }
}
