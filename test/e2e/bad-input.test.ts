// Every input given a wrong value: one line naming the input and what is
// accepted, a failed step, and not one call to the sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/sandbox'
import { run, scenario } from './harness'
import { startSandbox } from '../../sandbox/sandbox'

// A case is [input, value, message] and optionally the modes to run it
// in (default: exit) and other inputs it needs next to it.
type Case = [
  string,
  string,
  RegExp,
  { modes?: string[]; with?: Record<string, string> }?
]

// A password the MongoDB URIs below carry: it must never be printed.
const PASSWORD = 'Pw-s3cret-4711'
const ALL_MODES = ['check', 'enter', 'exit']
const READERS = ['check', 'enter'] // the modes that use MongoDB

const CASES: Case[] = [
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
    `postgres://u:${PASSWORD}@db/animl`,
    /Input 'mongodb-uri' cannot be used: it is not a MongoDB connection string/,
    { modes: ALL_MODES }
  ],
  [
    'mongodb-uri',
    `mongodb://gate:${PASSWORD}@db.example.com`,
    /Input 'mongodb-uri' cannot be used: it names no database/,
    { modes: ALL_MODES }
  ],
  // Shaped like a URI, but the driver cannot parse it: only the modes that
  // load the driver see that (exit never uses MongoDB).
  [
    'mongodb-uri',
    'mongodb://h:notaport/x',
    /Input 'mongodb-uri' cannot be used: the driver cannot parse it/,
    { modes: READERS }
  ],
  [
    'mongodb-uri',
    `mongodb://gate:${PASSWORD}@h:notaport/animl`,
    /Input 'mongodb-uri' cannot be used: the driver cannot parse it/,
    { modes: READERS }
  ],
  [
    'mongodb-uri',
    'mongodb+srv://a:b@/x',
    /Input 'mongodb-uri' cannot be used: the driver cannot parse it/,
    { modes: READERS }
  ],
  [
    'mongodb-uri',
    `mongodb+srv://gate:${PASSWORD}@/animl`,
    /Input 'mongodb-uri' cannot be used: the driver cannot parse it/,
    { modes: READERS }
  ],
  [
    'mongodb-uri',
    `mongodb://gate:${encodeURIComponent(PASSWORD + '/@')}@db:99999/animl`,
    /Input 'mongodb-uri' cannot be used: the driver cannot parse it/,
    { modes: READERS }
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
  ['timeout', 'never', /Input 'timeout' is "never"; expected a duration/],
  // Issue #6: probes, their timeout, the status object and sign-out.
  [
    'frontend-probe',
    '{"url": "https://animl.camera/", "whenOn": {"status": 503}',
    /Input 'frontend-probe' cannot be used: not JSON; value not shown/,
    { modes: ALL_MODES }
  ],
  [
    'api-probe',
    '{"url": "not a url", "whenOn": {"status": 503}}',
    /Input 'api-probe' cannot be used: url is not a URL/,
    { modes: ['enter'] }
  ],
  [
    'api-probe',
    '{"url": "ftp://api.animl.camera/graphql", "whenOn": {"status": 503}}',
    /Input 'api-probe' cannot be used: url must be http or https/,
    { modes: ['check'] }
  ],
  [
    'api-probe',
    `{"url": "https://gate:${PASSWORD}@api.animl.camera/", "whenOff": {"status": 200}}`,
    /Input 'api-probe' cannot be used: url must not hold credentials/,
    { modes: ['enter', 'exit'] }
  ],
  [
    'api-probe',
    '["https://api.animl.camera/graphql"]',
    /Input 'api-probe' cannot be used: not a JSON object/
  ],
  [
    'ingestion-probe',
    '{"url": "https://ingest.animl.camera/health", "whenOff": {"status": 200}',
    /Input 'ingestion-probe' cannot be used: not JSON/
  ],
  [
    'ingestion-probe',
    '{"whenOff": {"status": 200}}',
    /Input 'ingestion-probe' cannot be used: url is required/,
    { modes: ['enter'] }
  ],
  [
    'ingestion-probe',
    '{"url": "//ingest.animl.camera/health", "whenOff": {"status": 200}}',
    /Input 'ingestion-probe' cannot be used: url is not a URL/
  ],
  [
    'probe-timeout',
    '0s',
    /Input 'probe-timeout' is "0s"; .*at least 1s/,
    { modes: ['enter'] }
  ],
  [
    'probe-timeout',
    'forever',
    /Input 'probe-timeout' is "forever"; expected a duration/
  ],
  ['probe-timeout', '7h', /Input 'probe-timeout' is "7h"; .*at most 6h/],
  [
    'probe-timeout',
    '-5m',
    /Input 'probe-timeout' is "-5m"; expected a duration/,
    { modes: ['check'] }
  ],
  [
    'status-object',
    'https://animl-frontend-prod.s3.amazonaws.com/maintenance.json',
    /Input 'status-object' is "https:.*"; expected s3:\/\/bucket\/key/,
    { modes: ['enter'] }
  ],
  [
    'status-object',
    's3://animl-frontend-prod',
    /Input 'status-object' is "s3:\/\/animl-frontend-prod"; expected s3:\/\/bucket\/key/
  ],
  [
    'status-object',
    's3://animl-frontend-prod/',
    /Input 'status-object' is "s3:\/\/animl-frontend-prod\/"; expected s3:\/\/bucket\/key/,
    { modes: ['check'] }
  ],
  [
    'status-object',
    's3://Animl_Frontend/maintenance.json',
    /Input 'status-object' is "s3:\/\/Animl_Frontend\/maintenance.json"; expected s3:\/\/bucket\/key/,
    { modes: ['enter'] }
  ],
  [
    'status-object',
    's3://ab/maintenance.json',
    /Input 'status-object' is "s3:\/\/ab\/maintenance.json"/
  ],
  [
    'expected-end',
    'tomorrow',
    /Input 'expected-end' is "tomorrow"; expected an ISO time .* or a duration/,
    {
      modes: ['enter'],
      with: { 'status-object': 's3://animl-frontend-prod/maintenance.json' }
    }
  ],
  [
    'expected-end',
    '2025-13-45T99:00Z',
    /Input 'expected-end' is "2025-13-45T99:00Z"; expected an ISO time/,
    { with: { 'status-object': 's3://animl-frontend-prod/maintenance.json' } }
  ],
  [
    'expected-end',
    'next week',
    /Input 'expected-end' is "next week"; expected an ISO time/,
    // No status object asked for: still an input error, before any call.
    { modes: ['enter'] }
  ],
  [
    'expected-end',
    '-45m',
    /Input 'expected-end' is "-45m"; expected an ISO time/,
    {
      modes: ['check'],
      with: { 'status-object': 's3://animl-frontend-prod/maintenance.json' }
    }
  ],
  [
    'sign-out-user-pool',
    'my pool',
    /Input 'sign-out-user-pool' is "my pool"; expected a Cognito user pool id/,
    { modes: ['enter'] }
  ],
  [
    'sign-out-user-pool',
    'us-west-2',
    /Input 'sign-out-user-pool' is "us-west-2"; expected a Cognito user pool id/
  ],
  [
    'sign-out-user-pool',
    `us-west-2_${'A'.repeat(60)}`,
    /Input 'sign-out-user-pool' is "us-west-2_A+"; expected a Cognito user pool id/,
    { modes: ['check'] }
  ],
  [
    'sign-out-rate',
    '0',
    /Input 'sign-out-rate' is "0"; expected a whole number from 1 to 50/,
    { modes: ['enter'] }
  ],
  [
    'sign-out-rate',
    '1000',
    /Input 'sign-out-rate' is "1000"; expected a whole number from 1 to 50/,
    {
      modes: ['enter', 'exit'],
      with: { 'sign-out-user-pool': 'us-west-2_AbC123' }
    }
  ],
  [
    'sign-out-rate',
    '2.5',
    /Input 'sign-out-rate' is "2.5"; expected a whole number/
  ]
]

// One row per mode a case runs in.
const ROWS = CASES.flatMap(([name, value, message, options]) =>
  (name === 'mode' ? [value] : (options?.modes ?? ['exit'])).map(
    (mode) =>
      [name, value, mode, message, options?.with ?? {}] as [
        string,
        string,
        string,
        RegExp,
        Record<string, string>
      ]
  )
)

describe('bad input', () => {
  let sandbox: Sandbox
  beforeAll(async () => {
    sandbox = await startSandbox(scenario('after-deploy'))
  })
  afterAll(async () => {
    await sandbox.stop()
  })

  it.each(ROWS)(
    '%s = %j fails in %s in one line with no call',
    async (name, value, mode, message, also) => {
      const before = await sandbox.state()
      sandbox.aws.calls.length = 0
      sandbox.mongo.commands.length = 0
      sandbox.cognito.calls.length = 0
      sandbox.api.requests.length = 0
      sandbox.s3proxy.reset()
      sandbox.sqsproxy.reset()
      const result = await run(
        sandbox,
        mode,
        name === 'mode' ? {} : { ...also, [name]: value }
      )
      expect(result.exitCode, result.stdout).toBe(1)
      const errors = result.stdout
        .split('\n')
        .filter((l) => l.startsWith('::error::'))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(message)
      expect(errors[0]).toContain(`Input '${name}'`)
      expect(result.report?.verdict).toBe('error')
      expect(sandbox.aws.calls).toEqual([])
      expect(sandbox.mongo.commands).toEqual([])
      expect(sandbox.cognito.calls).toEqual([])
      expect(sandbox.api.requests).toEqual([])
      expect(sandbox.s3proxy.total()).toBe(0)
      expect(sandbox.sqsproxy.total()).toBe(0)
      expect(result.state).toEqual(before)
      // A password in a value is never repeated, masked or not.
      const emitted = [
        result.stdout,
        result.stderr,
        result.summary,
        JSON.stringify(result.report),
        JSON.stringify(result.outputs)
      ].join('\n')
      for (const form of [PASSWORD, encodeURIComponent(PASSWORD + '/@')]) {
        expect(emitted.includes(form), `emitted ${form}`).toBe(false)
      }
      if (name === 'mongodb-uri' || name.endsWith('-probe')) {
        expect(emitted.includes(value), 'emitted the value').toBe(false)
      }
    }
  )

  it('covers every mode for a malformed mongodb-uri, and the driver in check and enter', () => {
    const uris = ROWS.filter(([name]) => name === 'mongodb-uri')
    expect(new Set(uris.map(([, , mode]) => mode))).toEqual(new Set(ALL_MODES))
    const driver = uris.filter(([, , , message]) =>
      message.source.includes('driver cannot parse')
    )
    expect(new Set(driver.map(([, , mode]) => mode))).toEqual(new Set(READERS))
  })
})
