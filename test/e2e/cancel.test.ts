// GitHub cancels a job with SIGINT, then SIGTERM, then kills it; the
// `timeout` input stops a run the same way. Stopped at any point, the gate
// loses nothing, deletes nothing unconfirmed, and a second run finishes.
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../sandbox/faults'
import type { Scenario } from '../../sandbox/scenario'
import { run, scenario, withSandbox } from './harness'
import {
  busyLot,
  copiedNotDeleted,
  copiedTwice,
  deletedUnconfirmed,
  INGESTION,
  LOT,
  parkedKeys,
  places
} from './invariants'

const FAST = { 'settle-time': '0s' }
const CONCURRENCY = 16

interface DrainCounts {
  moved: { key: string }[]
  counts: { moved: number }
  stopped?: string
}

// Stop points: after how many copies each signal is sent, drawn from a
// seeded PRNG so that every run stops at the same points and a failure can
// be replayed. The seed is in each test's name; CANCEL_SEED=<n> tries
// other points (the default is fixed, so CI is deterministic).
const SEED = seedFrom(process.env.CANCEL_SEED)

function seedFrom(text: string | undefined): number {
  if (text === undefined || text === '') return 0x5eed_4a11
  if (!/^\d+$/.test(text))
    throw new Error(`CANCEL_SEED is not a number: ${text}`)
  return Number(text) >>> 0
}
const BULK = 260 // plain images added to the lot, each copied at least once
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGKILL']

/**
 * Two points per signal, one in each half of the drain (from the canary
 * on, below BULK so every point is reached), in a seeded order.
 */
function stopPoints(seed: number): [NodeJS.Signals, number][] {
  const random = mulberry32(seed)
  const between = (lo: number, hi: number) =>
    lo + Math.floor(random() * (hi - lo + 1))
  const half = Math.floor(BULK / 2)
  return SIGNALS.flatMap((signal): [NodeJS.Signals, number][] => [
    [signal, between(1, half)],
    [signal, between(half + 1, BULK - 1)]
  ])
}

const POINTS = stopPoints(SEED)

describe('stop points', () => {
  it(`are drawn from seed ${SEED}, reproducibly, over each signal`, () => {
    expect(stopPoints(SEED)).toEqual(POINTS)
    expect(stopPoints(SEED + 1)).not.toEqual(POINTS)
    for (const signal of SIGNALS) {
      expect(POINTS.filter(([s]) => s === signal)).toHaveLength(2)
    }
    for (const [, n] of POINTS) {
      expect(Number.isInteger(n)).toBe(true)
      expect(n).toBeGreaterThanOrEqual(1)
      expect(n).toBeLessThan(BULK)
    }
  })
})

describe(`cancellation of exit (seed ${SEED})`, () => {
  it.each(POINTS)(
    `%s after %i copies (seed ${SEED}): nothing lost, second run finishes`,
    async (signal, afterCopies) => {
      const from = busyLot(BULK)
      const keys = parkedKeys(from)
      await withSandbox(from, async (sandbox) => {
        sandbox.s3proxy.log = []
        const first = await run(sandbox, 'exit', FAST, {
          signal,
          afterCopies
        })
        const log = sandbox.s3proxy.log
        expect(first.stoppedAfterMs).toBeDefined()
        const atStop = copiedNotDeleted(log)
        const state = first.state
        expect(keys.filter((k) => places(state, k).length === 0)).toEqual([])
        expect(deletedUnconfirmed(log)).toEqual([])
        if (signal === 'SIGKILL') {
          expect(first.exitCode).toBe(137)
        } else {
          expect(first.exitCode).toBe(1)
          expect(first.report?.verdict).toBe('error')
          expect(first.report?.reason).toMatch(`Cancelled by ${signal}`)
          expect(first.summary).toMatch(/Cancelled by/)
          // No flag written after the signal: api and frontend stay on.
          expect(state.ssm['/api/maintenance-mode-prod']).toBe('true')
          expect(state.ssm['/frontend/maintenance-mode-prod']).toBe('true')
          const drain = (first.report as unknown as { drain: DrainCounts })
            .drain
          const lot = new Set(state.buckets[LOT])
          const gone = keys.filter((k) => !lot.has(k)).sort()
          expect(drain.moved.map((m) => m.key).sort()).toEqual(gone)
          expect(drain.counts.moved).toBe(gone.length)
          // The graceful stop settles what was in flight.
          expect(atStop.size).toBeLessThanOrEqual(CONCURRENCY)
        }

        const second = await run(sandbox, 'exit', FAST)
        const why = JSON.stringify([
          second.report?.reason,
          (second.report as unknown as { drain?: { failedSample?: unknown } })
            .drain?.failedSample
        ])
        expect(second.exitCode, why).toBe(0)
        for (const k of keys) expect(places(second.state, k), k).toHaveLength(1)
        expect(second.state.buckets[INGESTION]).toEqual([])
        expect(deletedUnconfirmed(log)).toEqual([])
        // Only what was copied and not yet deleted at the stop comes twice.
        const twice = copiedTwice(log)
        expect(twice.filter((k) => !atStop.has(k))).toEqual([])
        console.info(
          `seed ${SEED}: ${signal} after ${afterCopies} copies (${first.stoppedAfterMs} ms): ` +
            `${atStop.size} copied, not deleted at the stop; ${twice.length} ingested twice`
        )
      })
    }
  )
})

function quietEnter(): Scenario {
  return {
    ...scenario('before-deploy'),
    mongo: { batches: [], batcherrors: [] },
    batchJobs: []
  }
}

describe('cancellation of enter', () => {
  it('never turns ingestion on after a signal', async () => {
    await withSandbox(quietEnter(), async (sandbox) => {
      // Slow reads keep the check going when the signal comes; they then
      // find nothing in flight, which would let ingestion close.
      sandbox.mongo.latencyMs = 400
      const wroteApi = () =>
        sandbox.aws.calls.some(
          (c) =>
            c.operation === 'PutParameter' &&
            (c.input as { Name?: string }).Name === '/api/maintenance-mode-prod'
        )
      const result = await run(
        sandbox,
        'enter',
        {},
        {
          signal: 'SIGTERM',
          when: wroteApi
        }
      )
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(/Cancelled by SIGTERM/)
      expect(result.state.ssm['/api/maintenance-mode-prod']).toBe('true')
      expect(result.state.ssm['/images/maintenance-mode-prod']).toBe('false')
      expect(result.stdout).toMatch(
        /Not turning ingestion on: the run was stopped/
      )
    })
  })

  it('signs nobody else out after a signal', async () => {
    await withSandbox(quietEnter(), async (sandbox) => {
      const pool = 'us-west-2_CancelPool'
      const users = Array.from({ length: 200 }, (_, i) => ({
        username: `user-${i}`,
        signOuts: 0
      }))
      sandbox.cognito.pools.set(pool, users)
      const signOuts = () =>
        sandbox.cognito.calls.filter(
          (c) => c.operation === 'AdminUserGlobalSignOut'
        ).length
      // 5 a second: the whole pool would take 40 s.
      const result = await run(
        sandbox,
        'enter',
        { 'sign-out-user-pool': pool, 'sign-out-rate': '5' },
        { signal: 'SIGINT', when: () => signOuts() >= 2 }
      )
      const atStop = 2
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(/Cancelled by SIGINT/)
      // At most the call already waiting for its slot goes out.
      expect(signOuts()).toBeLessThanOrEqual(atStop + 1)
      expect(result.stdout).not.toMatch(/did not wind down/)
      const out = (
        result.report as unknown as {
          signOut?: { signedOut: number; skipped: number }
        }
      ).signOut
      expect(out?.signedOut).toBe(signOuts())
      expect(out?.skipped).toBeGreaterThan(0)
      expect(result.state.ssm['/images/maintenance-mode-prod']).toBe('false')
    })
  })

  it('wakes from the wait at once on SIGINT', async () => {
    await withSandbox(scenario('before-deploy'), async (sandbox) => {
      const started = Date.now()
      const result = await run(
        sandbox,
        'enter',
        { 'wait-timeout': '10m', 'poll-interval': '5m' },
        {
          signal: 'SIGINT',
          when: () => sandbox.mongo.commands.includes('find')
        }
      )
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(/Cancelled by SIGINT/)
      expect(result.state.ssm['/images/maintenance-mode-prod']).toBe('false')
      // The 5-minute poll sleep was cut short, well inside the grace.
      const afterSignal = Date.now() - started - result.stoppedAfterMs!
      expect(afterSignal).toBeLessThan(4_000)
    })
  })

  it('stops at its timeout like a cancellation, naming it', async () => {
    await withSandbox(scenario('before-deploy'), async (sandbox) => {
      const started = Date.now()
      const result = await run(sandbox, 'enter', {
        'wait-timeout': '10m',
        'poll-interval': '1s',
        timeout: '3s'
      })
      expect(Date.now() - started).toBeLessThan(15_000)
      expect(result.exitCode).toBe(1)
      expect(result.report?.verdict).toBe('error')
      expect(result.report?.reason).toMatch(
        /Timed out after 3s \(input 'timeout'\)/
      )
      expect(result.summary).toMatch(/Timed out after 3s/)
      expect(result.state.ssm['/images/maintenance-mode-prod']).toBe('false')
    })
  })
})
