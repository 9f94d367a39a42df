// Every mode, run first on a fresh sandbox with default inputs, reports
// what the scenario's .expected.json says.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { heldByReason, idsWith, run, scenario, withSandbox } from './harness'

interface Expected {
  check: {
    verdict: string
    blocking: string[]
    stalled: string[]
    failed: string[]
  }
  enter: { verdict: string; flags: Record<string, string> }
  exit: {
    moved: string[]
    held: Record<string, string[]>
    flags: Record<string, string>
  }
}

const NAMES = ['before-deploy', 'after-deploy']

describe.each(NAMES)('scenario %s', (name) => {
  const expected = JSON.parse(
    readFileSync(`scenarios/${name}.expected.json`, 'utf8')
  ) as Expected

  it('check reports the expected verdict and batches', async () => {
    await withSandbox(scenario(name), async (sandbox) => {
      const result = await run(sandbox, 'check')
      expect(result.report?.verdict).toBe(expected.check.verdict)
      expect(idsWith(result.report, 'blocking')).toEqual(
        expected.check.blocking
      )
      expect(idsWith(result.report, 'stalled')).toEqual(expected.check.stalled)
      expect(idsWith(result.report, 'failed')).toEqual(expected.check.failed)
      expect(result.exitCode).toBe(expected.check.verdict === 'pass' ? 0 : 1)
      expect(result.outputs.verdict).toBe(expected.check.verdict)
      expect(result.outputs.blocking).toBe(
        String(expected.check.blocking.length)
      )
    })
  })

  it('enter sets the expected flags', async () => {
    await withSandbox(scenario(name), async (sandbox) => {
      const result = await run(sandbox, 'enter')
      expect(result.report?.verdict).toBe(expected.enter.verdict)
      for (const [flag, value] of Object.entries(expected.enter.flags)) {
        expect(result.state.ssm[flag], flag).toBe(value)
      }
      expect(result.exitCode).toBe(expected.enter.verdict === 'pass' ? 0 : 1)
    })
  })

  it('exit moves and holds the expected keys and opens every flag', async () => {
    await withSandbox(scenario(name), async (sandbox) => {
      const result = await run(sandbox, 'exit')
      const moved = (result.report?.drain?.moved ?? []).map((m) => m.key).sort()
      expect(moved).toEqual(expected.exit.moved)
      expect(heldByReason(result.report)).toEqual(expected.exit.held)
      for (const [flag, value] of Object.entries(expected.exit.flags)) {
        expect(result.state.ssm[flag], flag).toBe(value)
      }
      const lot =
        sandbox.scenario.ssm['/images/parkinglot-bucket-prod']?.value ?? ''
      const ingestion =
        sandbox.scenario.ssm['/images/ingestion-bucket-prod']?.value ?? ''
      const held = Object.values(expected.exit.held).flat().sort()
      expect(result.state.buckets[lot] ?? []).toEqual(held)
      // ingest-image (played by the sandbox) takes each moved image out of
      // the ingestion bucket: a moved key is there or ingested.
      const arrived = [
        ...(result.state.buckets[ingestion] ?? []),
        ...result.state.ingested
      ].sort()
      expect(arrived).toEqual(expected.exit.moved)
      expect(result.exitCode).toBe(0)
    })
    // exit waits the default settle-time (60s) when it turns ingestion off.
  }, 180_000)
})
