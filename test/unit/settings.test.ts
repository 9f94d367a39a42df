import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { InputError } from '../../src/errors'
import { INPUTS } from '../../src/io-names'
import { parseSettings } from '../../src/settings'

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { default?: string }>
}

/** Inputs as a runner gives them: action.yml's defaults, then overrides. */
function reader(overrides: Record<string, string>) {
  return (name: string) => overrides[name] ?? action.inputs[name]?.default ?? ''
}

function parseWith(overrides: Record<string, string>, env = {}) {
  return parseSettings(reader({ mode: 'check', ...overrides }), env)
}

describe('parseSettings', () => {
  it('reads the defaults of action.yml into the contract names', () => {
    const settings = parseWith({})
    expect(settings).toMatchObject({
      mode: 'check',
      stage: 'prod',
      region: 'us-west-2',
      mongodbUri: undefined,
      parkingLotBucket: undefined,
      staleAfterMs: 24 * 3_600_000,
      waitTimeoutMs: 0,
      pollIntervalMs: 30_000,
      dryRun: false
    })
    expect(settings.flags).toEqual([
      { role: 'frontend', name: '/frontend/maintenance-mode-prod' },
      { role: 'api', name: '/api/maintenance-mode-prod' },
      { role: 'ingestion', name: '/images/maintenance-mode-prod' }
    ])
  })

  it('puts the stage into the flag names and leaves out empty flags', () => {
    const settings = parseWith({ stage: 'dev', 'api-flag': '' })
    expect(settings.flags.map((f) => f.name)).toEqual([
      '/frontend/maintenance-mode-dev',
      '/images/maintenance-mode-dev'
    ])
  })

  it('takes the region from the runner, else us-west-2', () => {
    expect(parseWith({}, { AWS_REGION: 'eu-west-1' }).region).toBe('eu-west-1')
    expect(parseWith({}, { AWS_DEFAULT_REGION: 'ca-central-1' }).region).toBe(
      'ca-central-1'
    )
    expect(parseWith({ region: 'us-east-2' }, { AWS_REGION: 'x' }).region).toBe(
      'us-east-2'
    )
  })

  it('parses durations and dry-run', () => {
    const settings = parseWith({
      'stale-after': '1h30m',
      'wait-timeout': '15m',
      'poll-interval': '90s',
      'dry-run': 'TRUE'
    })
    expect(settings.staleAfterMs).toBe(5_400_000)
    expect(settings.waitTimeoutMs).toBe(900_000)
    expect(settings.pollIntervalMs).toBe(90_000)
    expect(settings.dryRun).toBe(true)
  })

  const bad: [string, string, RegExp][] = [
    [
      INPUTS.mode,
      'deploy',
      /'mode' is "deploy"; expected one of enter, check, exit/
    ],
    [INPUTS.mode, '', /'mode' is ""/],
    [INPUTS.stage, 'Prod', /'stage' is "Prod"/],
    [INPUTS.stage, '', /'stage' is ""/],
    [INPUTS.region, 'mars', /'region' is "mars"/],
    [INPUTS.staleAfter, 'soon', /'stale-after' is "soon"; expected a duration/],
    [INPUTS.staleAfter, '-5m', /'stale-after' is "-5m"/],
    [INPUTS.staleAfter, '400d', /at most 30d/],
    [INPUTS.waitTimeout, '10', /'wait-timeout' is "10"/],
    [INPUTS.waitTimeout, '7h', /at most 6h/],
    [INPUTS.pollInterval, '0', /'poll-interval' is "0"; .*at least 1s/],
    [INPUTS.dryRun, 'yes', /'dry-run' is "yes"; expected true or false/],
    [
      INPUTS.parkingLotBucket,
      'My_Bucket',
      /'parking-lot-bucket' is "My_Bucket"/
    ],
    [INPUTS.ingestionBucket, '192.168.1.1', /'ingestion-bucket'/],
    [INPUTS.batchJobQueue, 'queue with spaces', /'batch-job-queue'/],
    [INPUTS.frontendFlag, '/bad name', /'frontend-flag' is "\/bad name"/],
    [INPUTS.apiFlag, '/aws/reserved', /'api-flag'/]
  ]

  it.each(bad)(
    'rejects %s = %j with a one-line message',
    (name, value, message) => {
      const attempt = () => parseWith({ [name]: value })
      expect(attempt).toThrow(InputError)
      expect(attempt).toThrow(message)
      try {
        attempt()
      } catch (error) {
        expect((error as Error).message).not.toContain('\n')
      }
    }
  )

  it('rejects a malformed MongoDB URI without repeating it', () => {
    const secret = 'postgres://admin:hunter2@db/animl'
    const attempt = () => parseWith({ [INPUTS.mongodbUri]: secret })
    expect(attempt).toThrow(
      /'mongodb-uri' cannot be used: it is not a MongoDB connection string/
    )
    try {
      attempt()
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2')
    }
  })

  it('rejects two flags on one parameter', () => {
    expect(() =>
      parseWith({ 'api-flag': '/frontend/maintenance-mode-{stage}' })
    ).toThrow(/Input 'api-flag' .*not that of 'frontend-flag'/)
  })
})
