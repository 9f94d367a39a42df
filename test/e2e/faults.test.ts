// The drain under injected faults, over seeded trials: throttles, 500s,
// dropped connections and latency on every S3, SQS and SSM call the exit
// makes, at rates up to 30 %. Whatever the faults, nothing is lost,
// nothing is deleted before its copy is confirmed, a failed step reports
// exact counts, and a second run without faults finishes the job.
import { describe, expect, it } from 'vitest'
import type { FaultRule } from '../../sandbox/scenario'
import { startSandbox } from '../../sandbox/sandbox'
import { run } from './harness'
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

const TRIALS = Number(process.env.FAULT_TRIALS ?? 16)
const PARALLEL = 4
const BULK = 260 // + after-deploy's 38: about 300 objects a trial

interface DrainReport {
  moved: { key: string }[]
  held: { key: string; reason: string }[]
  failed: { key: string; error: string }[]
  counts: {
    moved: number
    failed: number
    notResumed: number
    held: Record<string, number>
  }
  stopped?: string
}

// The trial's own PRNG (not the sandbox's): which calls fail, how, how often.
function rulesFor(trial: number): FaultRule[] {
  let a = (trial * 2_654_435_761) >>> 0
  const rnd = () => {
    a = (a * 1_664_525 + 1_013_904_223) >>> 0
    return a / 4_294_967_296
  }
  const kinds: FaultRule['fault'][] = ['throttle', 'error', 'reset']
  const fail = (service: FaultRule['service'], operation: string) => ({
    service,
    operation,
    rate: Math.round(rnd() * 30) / 100,
    fault: kinds[Math.floor(rnd() * kinds.length)]!
  })
  // Every other trial at the top rate on copies, so that retries run out
  // for some object (0.3^5 per copy) and the failure path is exercised.
  const copies = fail('s3', 'CopyObject')
  if (trial % 2 === 0) copies.rate = 0.3
  return [
    copies,
    fail('s3', 'DeleteObjects'),
    fail('s3', 'ListObjectsV2'),
    fail('sqs', 'GetQueueUrl'),
    fail('ssm', 'GetParameters'),
    fail('ssm', 'PutParameter'),
    {
      service: 's3',
      operation: '*',
      rate: 0.1,
      fault: 'latency',
      latencyMs: 20
    }
  ]
}

describe('drain under faults', () => {
  // About 45 s alone on two cores; the other end-to-end files run beside
  // it, hence the long timeout.
  it(`keeps every object over ${TRIALS} seeded trials`, async () => {
    const from = busyLot(BULK)
    const keys = parkedKeys(from)
    const seen = { failedRuns: 0, injected: 0, twice: 0 }
    const started = Date.now()
    // Trials mostly wait out the SDK's retry backoff: a few at once.
    const trial1 = async (trial: number) => {
      const rules = rulesFor(trial)
      const sandbox = await startSandbox({
        ...from,
        sandbox: { ...from.sandbox, faults: { seed: trial, rules } }
      })
      try {
        const at = `trial ${trial} ${JSON.stringify(rules)}`
        sandbox.s3proxy.log = []
        const first = await run(sandbox, 'exit', { 'settle-time': '0s' })
        for (const n of sandbox.faults.injected.values()) seen.injected += n
        const afterFirst = first.state
        // Nothing lost: every parked key is somewhere.
        const lost = keys.filter((k) => places(afterFirst, k).length === 0)
        expect(lost, at).toEqual([])
        expect(deletedUnconfirmed(sandbox.s3proxy.log), at).toEqual([])
        // In two places only when copied and never deleted (a retry then
        // ingests it twice, harmlessly).
        const pending = copiedNotDeleted(sandbox.s3proxy.log)
        const doubled = keys.filter((k) => places(afterFirst, k).length > 1)
        expect(
          doubled.filter((k) => !pending.has(k)),
          at
        ).toEqual([])
        const drain = (first.report as unknown as { drain?: DrainReport })
          ?.drain
        if (first.exitCode !== 0) {
          seen.failedRuns++
          expect(first.report?.verdict, at).toBe('error')
          if (drain) checkExactCounts(drain, keys, afterFirst, at)
        } else {
          expect(drain?.counts.failed, at).toBe(0)
          checkExactCounts(drain!, keys, afterFirst, at)
        }

        sandbox.faults.rules = []
        const second = await run(sandbox, 'exit', { 'settle-time': '0s' })
        expect(second.exitCode, `${at}\n${second.report?.reason}`).toBe(0)
        const end = second.state
        for (const k of keys)
          expect(places(end, k), `${at} ${k}`).toHaveLength(1)
        expect(end.buckets[INGESTION], at).toEqual([])
        expect(deletedUnconfirmed(sandbox.s3proxy.log), at).toEqual([])
        const twice = copiedTwice(sandbox.s3proxy.log)
        expect(
          twice.filter((k) => !pending.has(k)),
          at
        ).toEqual([])
        seen.twice += twice.length
      } finally {
        await sandbox.stop()
      }
    }
    const trials = Array.from({ length: TRIALS }, (_, i) => i + 1)
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let t = trials.shift(); t !== undefined; t = trials.shift())
          await trial1(t)
      })
    )
    console.info(
      `faults: ${TRIALS} trials of ${keys.length} objects in ${((Date.now() - started) / 1000).toFixed(1)}s; ` +
        `${seen.injected} faults injected, ${seen.failedRuns} first runs failed, ${seen.twice} images ingested twice`
    )
    // The trials must reach the failure path, or they prove little.
    expect(seen.failedRuns).toBeGreaterThan(0)
  }, 300_000)
})

/** The report's counts and lists match what is in the buckets. */
function checkExactCounts(
  drain: DrainReport,
  keys: string[],
  state: { buckets: Record<string, string[]> },
  at: string
) {
  const lot = new Set(state.buckets[LOT])
  const gone = keys.filter((k) => !lot.has(k)).sort()
  const moved = drain.moved.map((m) => m.key).sort()
  expect(moved, at).toEqual(gone)
  expect(drain.counts.moved, at).toBe(moved.length)
  expect(drain.counts.failed, at).toBe(drain.failed.length)
  for (const f of drain.failed)
    expect(lot.has(f.key), `${at} ${f.key}`).toBe(true)
  for (const h of drain.held)
    expect(lot.has(h.key), `${at} ${h.key}`).toBe(true)
  const held = Object.values(drain.counts.held).reduce((a, b) => a + b, 0)
  expect(held, at).toBe(drain.held.length)
  if (!drain.stopped) {
    const handled =
      moved.length + drain.failed.length + held + drain.counts.notResumed
    expect(handled, at).toBe(keys.length)
  }
}
