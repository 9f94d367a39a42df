// The maintenance window: who changed each flag and when, the warning
// when it has been on too long, convergence on re-runs, and refusing runs
// that mix stages.
import { describe, expect, it } from 'vitest'
import type { Scenario } from '../../sandbox/scenario'
import { run, scenario, withSandbox } from './harness'

const FLAGS = [
  '/frontend/maintenance-mode-prod',
  '/api/maintenance-mode-prod',
  '/images/maintenance-mode-prod'
]

function quiet(): Scenario {
  return {
    ...scenario('before-deploy'),
    mongo: { batches: [], batcherrors: [] },
    batchJobs: []
  }
}

interface WindowReport {
  maintenance?: {
    on: boolean
    since?: string
    startedBy?: { runId?: string }
    longerThanMax: boolean
  }
  flags: {
    name: string
    changedByRun?: { runId?: string }
    modifiedAt?: string
  }[]
}

describe('maintenance window', () => {
  it('records the run that set each flag, and check reads it back', async () => {
    await withSandbox(quiet(), async (sandbox) => {
      const enter = await run(sandbox, 'enter')
      expect(enter.exitCode).toBe(0)
      const description = sandbox.aws.ssm.get(FLAGS[0]!)?.description ?? ''
      expect(JSON.parse(description)).toMatchObject({
        by: 'animl-maintenance-gate',
        value: 'true'
      })
      const check = await run(sandbox, 'check')
      const report = check.report as unknown as WindowReport
      expect(report.maintenance?.on).toBe(true)
      expect(report.maintenance?.longerThanMax).toBe(false)
      const runId = JSON.parse(description).runId as string
      expect(runId).toBeTruthy()
      expect(report.maintenance?.startedBy?.runId).toBe(runId)
      expect(report.flags.every((f) => f.changedByRun?.runId === runId)).toBe(
        true
      )
      expect(check.stdout).toMatch(/Maintenance has been on for .* started by/)
      // The page says it too, naming the run that closed Animl.
      expect(check.summary).toMatch(
        new RegExp(`in maintenance for .* started by .*run ${runId}`)
      )
      expect(check.summary).toMatch(/already in maintenance: .*run `exit`/)
      expect(check.summary).not.toMatch(/longer than `max-maintenance`/i)
    })
  })

  it('warns when maintenance has been on longer than max-maintenance', async () => {
    await withSandbox(quiet(), async (sandbox) => {
      await run(sandbox, 'enter')
      for (const name of FLAGS) {
        sandbox.aws.ssm.get(name)!.lastModified = new Date(
          Date.now() - 7 * 3_600_000
        )
      }
      const check = await run(sandbox, 'check')
      expect(check.exitCode).toBe(0)
      expect(check.stdout).toMatch(
        /^::warning::Maintenance has been on for 7h.*longer than max-maintenance/m
      )
      expect(
        (check.report as unknown as WindowReport).maintenance?.longerThanMax
      ).toBe(true)
      expect(check.summary).toMatch(/in maintenance for 7h/)
      expect(check.summary).toMatch(
        /Needs attention[\s\S]*longer than `max-maintenance`/
      )
      const relaxed = await run(sandbox, 'check', { 'max-maintenance': '8h' })
      expect(relaxed.stdout).not.toMatch(/::warning::Maintenance/)
      expect(relaxed.summary).not.toMatch(/longer than `max-maintenance`/i)
    })
  })

  it('enter converges when run again after a blocked run', async () => {
    await withSandbox(scenario('before-deploy'), async (sandbox) => {
      const first = await run(sandbox, 'enter')
      expect(first.report?.verdict).toBe('blocked')
      sandbox.mongo.collections.batches = []
      sandbox.aws.batchJobs.length = 0
      const second = await run(sandbox, 'enter')
      expect(second.exitCode).toBe(0)
      for (const name of FLAGS) expect(second.state.ssm[name]).toBe('true')
      const changed = second.report?.flags
        .filter((f) => f.before !== f.after)
        .map((f) => f.name)
      expect(changed).toEqual([FLAGS[2]])
    })
  })

  it('exit still drains when the flags are already off', async () => {
    const off = scenario('after-deploy')
    for (const name of FLAGS) off.ssm[name] = { type: 'String', value: 'false' }
    await withSandbox(off, async (sandbox) => {
      const result = await run(sandbox, 'exit')
      expect(result.exitCode).toBe(0)
      expect(result.report?.drain?.moved).toHaveLength(30)
      expect(
        sandbox.aws.calls.filter((c) => c.operation === 'PutParameter')
      ).toEqual([])
    })
  })
})

describe('stages', () => {
  it('refuses prod flags with dev buckets before any write', async () => {
    await withSandbox(scenario('after-deploy'), async (sandbox) => {
      const result = await run(sandbox, 'exit', {
        'parking-lot-bucket': 'animl-images-parkinglot-dev',
        'settle-time': '0s'
      })
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(
        /animl-images-parkinglot-dev does not end with -prod.*allow-mixed-stages: true/
      )
      expect(
        sandbox.aws.calls.filter((c) => c.operation === 'PutParameter')
      ).toEqual([])
    })
  })

  it('lets them through when allowed', async () => {
    await withSandbox(scenario('after-deploy'), async (sandbox) => {
      const result = await run(sandbox, 'exit', {
        'parking-lot-bucket': 'animl-images-parkinglot-dev',
        'allow-mixed-stages': 'true',
        'settle-time': '0s'
      })
      // The dev bucket does not exist here: the drain fails, but it ran.
      expect(result.report?.reason).not.toMatch(/allow-mixed-stages/)
      expect(
        sandbox.aws.calls.some((c) => c.operation === 'PutParameter')
      ).toBe(true)
    })
  })
})
