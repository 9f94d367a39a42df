import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { FlagState } from '../../src/flags'
import { maintenanceWindow } from '../../src/maintenance-window'
import { currentRun, describeWrite, readProvenance } from '../../src/provenance'
import { parseSettings } from '../../src/settings'
import { namesOffStage } from '../../src/stages'

const NOW = new Date('2026-12-04T12:00:00Z')
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000)

function flag(
  role: FlagState['role'],
  before: string,
  modifiedAt?: Date
): FlagState {
  return { role, name: `/${role}`, before, after: before, modifiedAt }
}

describe('provenance', () => {
  const env = {
    GITHUB_ACTOR: 'octo',
    GITHUB_REPOSITORY: 'animl/deploy',
    GITHUB_RUN_ID: '42',
    GITHUB_WORKFLOW: 'Deploy'
  }

  it('round-trips the run through a Description', () => {
    const run = currentRun(env)
    expect(run.url).toBe('https://github.com/animl/deploy/actions/runs/42')
    const text = describeWrite('true', run, NOW)
    expect(text.length).toBeLessThanOrEqual(1024)
    expect(readProvenance(text)).toMatchObject({
      value: 'true',
      at: NOW.toISOString(),
      runId: '42',
      actor: 'octo'
    })
  })

  it('ignores descriptions written by anyone else', () => {
    expect(readProvenance('Set by hand during the outage')).toBeUndefined()
    expect(
      readProvenance('{"by":"someone-else","value":"true","at":"x"}')
    ).toBeUndefined()
    expect(readProvenance('{not json')).toBeUndefined()
    expect(readProvenance(undefined)).toBeUndefined()
  })

  it('stays within SSM limits with absurd names', () => {
    const run = currentRun({ ...env, GITHUB_WORKFLOW: 'w'.repeat(2_000) })
    const text = describeWrite('true', run, NOW)
    expect(text.length).toBeLessThanOrEqual(1024)
    expect(readProvenance(text)?.runId).toBe('42')
  })
})

describe('maintenanceWindow', () => {
  it('is off when no flag is on', () => {
    expect(
      maintenanceWindow([flag('api', 'false', hoursAgo(9))], NOW, 3_600_000)
    ).toEqual({
      on: false,
      tooLong: false
    })
  })

  it('starts at the earliest flag that is on, and is too long past the max', () => {
    const flags = [
      flag('frontend', 'true', hoursAgo(7)),
      flag('api', 'true', hoursAgo(2)),
      flag('ingestion', 'false', hoursAgo(30))
    ]
    const window = maintenanceWindow(flags, NOW, 6 * 3_600_000)
    expect(window.since).toEqual(hoursAgo(7))
    expect(window.tooLong).toBe(true)
    expect(maintenanceWindow(flags, NOW, 8 * 3_600_000).tooLong).toBe(false)
  })
})

describe('namesOffStage', () => {
  const defaults = parse(readFileSync('action.yml', 'utf8')) as {
    inputs: Record<string, { default?: string }>
  }
  const given: Record<string, string> = { mode: 'exit', stage: 'prod' }
  const settings = parseSettings(
    (name) => given[name] ?? defaults.inputs[name]?.default ?? '',
    {}
  )

  it('lists every name that does not end with the stage', () => {
    expect(
      namesOffStage(settings, {
        parkingLotBucket: 'animl-images-parkinglot-dev',
        ingestionBucket: 'animl-images-ingestion-prod',
        batchJobQueue:
          'arn:aws:batch:us-west-2:123456789012:job-queue/animl-batch-ingestion-staging'
      })
    ).toEqual(['animl-images-parkinglot-dev', 'animl-batch-ingestion-staging'])
  })

  it('wants the status object to name the stage', () => {
    const withStatus = (location: string) =>
      namesOffStage(
        parseSettings(
          (name) =>
            ({ ...given, 'status-object': location })[name] ??
            defaults.inputs[name]?.default ??
            '',
          {}
        ),
        { ingestionBucket: 'animl-images-ingestion-prod' }
      )
    expect(withStatus('s3://animl-frontend-dev/maintenance.json')).toEqual([
      's3://animl-frontend-dev/maintenance.json'
    ])
    expect(withStatus('s3://animl-status/maintenance.json')).toHaveLength(1)
    expect(withStatus('s3://animl-status/product.json')).toHaveLength(1)
    expect(withStatus('s3://animl-status/prod-eu/status.json')).toHaveLength(1)
    expect(withStatus('s3://animl-frontend-prod/maintenance.json')).toEqual([])
    expect(withStatus('s3://animl-status/prod/maintenance.json')).toEqual([])
    expect(withStatus('s3://animl-status/prod.json')).toEqual([])
  })

  it('accepts a stage whose names all match', () => {
    expect(
      namesOffStage(settings, {
        ingestionBucket: 'animl-images-ingestion-prod'
      })
    ).toEqual([])
  })
})
