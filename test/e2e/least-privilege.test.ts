// Each mode stays inside the IAM policy the README documents for it
// (docs/iam/<mode>.json): every call the sandbox recorded must be allowed
// by one of the policy's statements.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/sandbox'
import { run, scenario, withSandbox } from './harness'

interface Statement {
  Effect: string
  Action: string[]
  Resource: string | string[]
}

const PLACEHOLDERS = {
  Region: 'us-west-2',
  Account: '123456789012',
  Stage: 'prod'
}

function policy(mode: string): Statement[] {
  let text = readFileSync(`docs/iam/${mode}.json`, 'utf8')
  for (const [name, value] of Object.entries(PLACEHOLDERS)) {
    text = text.replaceAll('${' + name + '}', value)
  }
  return (JSON.parse(text) as { Statement: Statement[] }).Statement
}

function matches(pattern: string, value: string): boolean {
  const regex = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${regex.join('.*')}$`).test(value)
}

function allowed(
  statements: Statement[],
  action: string,
  resource: string
): boolean {
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      s.Action.includes(action) &&
      [s.Resource].flat().some((pattern) => matches(pattern, resource))
  )
}

const ssmArn = (name: string) =>
  `arn:aws:ssm:us-west-2:123456789012:parameter${name}`

/** The IAM action and resource of each SSM and Batch call recorded. */
function requiredPermissions(sandbox: Sandbox): [string, string][] {
  return sandbox.aws.calls.flatMap((call): [string, string][] => {
    const input = call.input as {
      Name?: string
      Names?: string[]
      WithDecryption?: boolean
    }
    const action = `${call.service}:${call.operation}`
    if (call.service === 'batch') return [[action, '*']]
    if (call.operation === 'DescribeParameters') return [[action, '*']]
    const names = input.Names ?? (input.Name ? [input.Name] : [])
    const decrypts = names.some(
      (n) => sandbox.aws.ssm.get(n)?.type === 'SecureString'
    )
    const kms: [string, string][] =
      input.WithDecryption && decrypts
        ? [['kms:Decrypt', 'arn:aws:kms:us-west-2:123456789012:key/aws-ssm']]
        : []
    return [...names.map((n): [string, string] => [action, ssmArn(n)]), ...kms]
  })
}

const s3Arn = (bucket: string, key?: string) =>
  `arn:aws:s3:::${bucket}${key === undefined ? '' : `/${key}`}`

/** The IAM action and resource of each S3 request the proxy logged. */
function s3Permissions(sandbox: Sandbox): [string, string][] {
  return (sandbox.s3proxy.log ?? []).flatMap((r): [string, string][] => {
    const bucket = r.bucket ?? '*'
    switch (r.name) {
      case 'ListObjectsV2':
      case 'ListObjects':
        return [['s3:ListBucket', s3Arn(bucket)]]
      case 'CopyObject':
        return [
          ['s3:PutObject', s3Arn(bucket, r.key)],
          ['s3:GetObject', `arn:aws:s3:::${r.copySource ?? ''}`]
        ]
      case 'HeadObject':
      case 'GetObject':
        return [['s3:GetObject', s3Arn(bucket, r.key)]]
      case 'DeleteObjects':
        return (r.keys ?? []).map((k) => ['s3:DeleteObject', s3Arn(bucket, k)])
      default:
        // Anything else must be named in a policy as it is.
        return [[`s3:${r.name}`, s3Arn(bucket, r.key)]]
    }
  })
}

/** The IAM action and resource of each SQS request the proxy logged. */
function sqsPermissions(sandbox: Sandbox): [string, string][] {
  return (sandbox.sqsproxy.log ?? []).map((r): [string, string] => {
    const body = JSON.parse(r.body || '{}') as {
      QueueName?: string
      QueueUrl?: string
    }
    const name = body.QueueName ?? body.QueueUrl?.split('/').pop() ?? '?'
    return [`sqs:${r.name}`, `arn:aws:sqs:us-west-2:123456789012:${name}`]
  })
}

// Modes that read batches run on a scenario with batches in flight, so
// that every source is read: Batch jobs, and each in-flight batch's queue.
const RUNS = [
  ['check', 'check', 'before-deploy'],
  ['enter', 'enter', 'before-deploy'],
  ['exit', 'exit', 'after-deploy']
] as const

// Calls each mode must have made on those scenarios, or the check proves
// nothing about them.
const SEEN: Record<string, string[]> = {
  check: [
    'ssm:GetParameters',
    'batch:ListJobs',
    'sqs:GetQueueUrl',
    'sqs:GetQueueAttributes'
  ],
  enter: [
    'ssm:GetParameters',
    'ssm:PutParameter',
    'batch:ListJobs',
    'sqs:GetQueueUrl',
    'sqs:GetQueueAttributes'
  ],
  exit: [
    'ssm:GetParameters',
    'ssm:PutParameter',
    's3:ListBucket',
    's3:PutObject',
    's3:DeleteObject',
    'sqs:GetQueueUrl'
  ]
}

describe('least privilege', () => {
  it.each(RUNS)(
    '%s stays inside docs/iam/%s.json (on scenarios/%s.json)',
    async (mode, _policy, from) => {
      await withSandbox(scenario(from), async (sandbox) => {
        sandbox.s3proxy.log = []
        sandbox.sqsproxy.log = []
        const result = await run(sandbox, mode, { 'settle-time': '0s' })
        expect(result.report?.verdict, result.report?.reason).not.toBe('error')
        if (mode !== 'exit') {
          // Batches in flight: the queues of several batches were read.
          expect(result.report?.verdict).toBe('blocked')
        }
        const needed = [
          ...requiredPermissions(sandbox),
          ...s3Permissions(sandbox),
          ...sqsPermissions(sandbox)
        ]
        const actions = new Set(needed.map(([action]) => action))
        for (const action of SEEN[mode] ?? []) expect(actions).toContain(action)
        if (mode !== 'exit') {
          const queues = new Set(
            needed
              .filter(([action]) => action.startsWith('sqs:'))
              .map(([, resource]) => resource)
          )
          expect(queues.size).toBeGreaterThan(1)
        }
        const statements = policy(mode)
        const outside = needed.filter(
          ([action, resource]) => !allowed(statements, action, resource)
        )
        expect(outside).toEqual([])
      })
    }
  )

  it('would notice a call outside the policy', () => {
    const statements = policy('check')
    expect(
      allowed(
        statements,
        'ssm:PutParameter',
        ssmArn('/api/maintenance-mode-prod')
      )
    ).toBe(false)
    expect(
      allowed(statements, 'ssm:GetParameters', ssmArn('/db/mongo-db-url-dev'))
    ).toBe(false)
    expect(
      allowed(statements, 'ssm:GetParameters', ssmArn('/db/mongo-db-url-prod'))
    ).toBe(true)
    const exit = policy('exit')
    const lot = 'animl-images-parkinglot-prod'
    expect(allowed(exit, 's3:DeleteObject', s3Arn(lot, 'a.jpg'))).toBe(true)
    expect(
      allowed(
        exit,
        's3:DeleteObject',
        s3Arn('animl-images-ingestion-prod', 'a.jpg')
      )
    ).toBe(false)
    expect(allowed(exit, 's3:PutObject', s3Arn(lot, 'a.jpg'))).toBe(false)
  })
})
