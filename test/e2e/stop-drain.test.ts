// A stop (GitHub's cancel, or `timeout`) reaches the drain itself: no copy
// starts after it, and a stop during settle-time moves nothing at all,
// since readers may still have the ingestion flag cached.
import { describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/sandbox'
import { run, withSandbox } from './harness'
import { busyLot, LOT, parkedKeys, places } from './invariants'

const CONCURRENCY = 16

const copies = (sandbox: Sandbox) =>
  sandbox.s3proxy.counts.get('CopyObject') ?? 0

describe('a stop reaches the drain', () => {
  it('starts no copy after SIGINT', async () => {
    const from = busyLot(1_500)
    await withSandbox(from, async (sandbox) => {
      let atSignal = -1
      const result = await run(
        sandbox,
        'exit',
        { 'settle-time': '0s', concurrency: String(CONCURRENCY) },
        {
          signal: 'SIGINT',
          when: () => {
            if (copies(sandbox) < 60) return false
            atSignal = copies(sandbox)
            return true
          }
        }
      )
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(/Cancelled by SIGINT/)
      // Only the copies already sent when the signal came may arrive.
      expect(atSignal).toBeGreaterThan(0)
      expect(copies(sandbox)).toBeLessThanOrEqual(atSignal + CONCURRENCY)
      expect(result.stdout).not.toMatch(/did not wind down/)
      const keys = parkedKeys(from)
      expect(keys.filter((k) => places(result.state, k).length === 0)).toEqual(
        []
      )
      // Most of the lot is still parked, untouched.
      expect(result.state.buckets[LOT]!.length).toBeGreaterThan(1_000)
    })
  })

  it('moves nothing when stopped during settle-time', async () => {
    const from = busyLot(50)
    from.ssm['/images/maintenance-mode-prod'] = {
      type: 'String',
      value: 'true'
    }
    await withSandbox(from, async (sandbox) => {
      const wroteIngestion = () =>
        sandbox.aws.calls.some(
          (c) =>
            c.operation === 'PutParameter' &&
            (c.input as { Name?: string }).Name ===
              '/images/maintenance-mode-prod'
        )
      const started = Date.now()
      const result = await run(
        sandbox,
        'exit',
        { 'settle-time': '30s' },
        { signal: 'SIGTERM', when: wroteIngestion }
      )
      expect(Date.now() - started, result.stdout).toBeLessThan(20_000)
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(/Cancelled by SIGTERM/)
      expect(copies(sandbox)).toBe(0)
      expect(result.state.buckets[LOT]).toHaveLength(parkedKeys(from).length)
      // api and frontend stay in maintenance: nothing after the stop.
      expect(result.state.ssm['/api/maintenance-mode-prod']).toBe('true')
    })
  })
})
