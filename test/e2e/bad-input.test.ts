// Every input given a wrong value: one line naming the input and what is
// accepted, a failed step, and not one call to the sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/sandbox'
import { run, scenario } from './harness'
import { startSandbox } from '../../sandbox/sandbox'

const CASES: [string, string, RegExp][] = [
  [
    'mode',
    'deploy',
    /Input 'mode' is "deploy"; expected one of enter, check, exit/
  ],
  ['mode', '', /Input 'mode' is ""; expected one of/],
  ['stage', '', /Input 'stage' is ""; expected lower-case letters/],
  ['stage', 'Prod_1', /Input 'stage' is "Prod_1"/],
  ['region', 'moon-1', /Input 'region' is "moon-1"; expected an AWS region/],
  ['stale-after', 'soon', /Input 'stale-after' is "soon"; expected a duration/],
  ['stale-after', '-1h', /Input 'stale-after' is "-1h"/],
  ['stale-after', '999d', /Input 'stale-after' is "999d"; .*at most 30d/],
  ['wait-timeout', '15', /Input 'wait-timeout' is "15"; expected a duration/],
  ['wait-timeout', '48h', /Input 'wait-timeout' is "48h"; .*at most 6h/],
  ['poll-interval', '0s', /Input 'poll-interval' is "0s"; .*at least 1s/],
  ['max-maintenance', '1.5h', /Input 'max-maintenance' is "1.5h"/],
  ['dry-run', 'yes', /Input 'dry-run' is "yes"; expected true or false/],
  [
    'allow-mixed-stages',
    '1',
    /Input 'allow-mixed-stages' is "1"; expected true or false/
  ],
  [
    'parking-lot-bucket',
    'Parking_Lot',
    /Input 'parking-lot-bucket' is "Parking_Lot"; expected an S3 bucket name/
  ],
  ['ingestion-bucket', 'ab', /Input 'ingestion-bucket' is "ab"/],
  ['ingestion-bucket', '10.0.0.1', /Input 'ingestion-bucket' is "10.0.0.1"/],
  [
    'batch-job-queue',
    'queue/with/slashes',
    /Input 'batch-job-queue' is "queue\/with\/slashes"/
  ],
  [
    'mongodb-uri',
    'postgres://u:pw@db/animl',
    /Input 'mongodb-uri' cannot be used: it is not a MongoDB connection string/
  ],
  [
    'frontend-flag',
    '/frontend/maintenance mode',
    /Input 'frontend-flag' is "\/frontend\/maintenance mode"/
  ],
  ['api-flag', '/ssm/api-flag', /Input 'api-flag' is "\/ssm\/api-flag"/],
  ['ingestion-flag', 'x'.repeat(2_100), /Input 'ingestion-flag' is "x{10}/],
  // The drain's inputs and the run's timeout: negative, huge, non-numeric.
  [
    'concurrency',
    '-1',
    /Input 'concurrency' is "-1"; expected a whole number from 1 to 100/
  ],
  [
    'concurrency',
    '1000',
    /Input 'concurrency' is "1000"; expected a whole number/
  ],
  [
    'concurrency',
    'lots',
    /Input 'concurrency' is "lots"; expected a whole number/
  ],
  [
    'max-rate',
    '-5',
    /Input 'max-rate' is "-5"; expected a whole number from 0/
  ],
  ['max-rate', '1e9', /Input 'max-rate' is "1e9"; expected a whole number/],
  ['max-rate', 'fast', /Input 'max-rate' is "fast"; expected a whole number/],
  ['settle-time', '-60s', /Input 'settle-time' is "-60s"; expected a duration/],
  ['settle-time', '7h', /Input 'settle-time' is "7h"; .*at most 6h/],
  ['settle-time', 'a minute', /Input 'settle-time' is "a minute"/],
  [
    'resume-timeout',
    '-1m',
    /Input 'resume-timeout' is "-1m"; expected a duration/
  ],
  ['resume-timeout', '100d', /Input 'resume-timeout' is "100d"; .*at most 6h/],
  ['resume-timeout', '5', /Input 'resume-timeout' is "5"; expected a duration/],
  ['timeout', '-30m', /Input 'timeout' is "-30m"; expected a duration/],
  ['timeout', '0s', /Input 'timeout' is "0s"; .*at least 1s/],
  ['timeout', '9999h', /Input 'timeout' is "9999h"; .*at most 6h/],
  ['timeout', 'never', /Input 'timeout' is "never"; expected a duration/]
]

describe('bad input', () => {
  let sandbox: Sandbox
  beforeAll(async () => {
    sandbox = await startSandbox(scenario('after-deploy'))
  })
  afterAll(async () => {
    await sandbox.stop()
  })

  it.each(CASES)(
    '%s = %j fails in one line with no call',
    async (name, value, message) => {
      const before = await sandbox.state()
      sandbox.aws.calls.length = 0
      sandbox.mongo.commands.length = 0
      sandbox.s3proxy.reset()
      sandbox.sqsproxy.reset()
      const mode = name === 'mode' ? value : 'exit'
      const result = await run(
        sandbox,
        mode,
        name === 'mode' ? {} : { [name]: value }
      )
      expect(result.exitCode).toBe(1)
      const errors = result.stdout
        .split('\n')
        .filter((l) => l.startsWith('::error::'))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(message)
      expect(result.report?.verdict).toBe('error')
      expect(sandbox.aws.calls).toEqual([])
      expect(sandbox.mongo.commands).toEqual([])
      expect(sandbox.s3proxy.total()).toBe(0)
      expect(sandbox.sqsproxy.total()).toBe(0)
      expect(result.state).toEqual(before)
      if (name === 'mongodb-uri') expect(result.stdout).not.toContain('pw@db')
    }
  )
})
