// Fault injection for the sandbox: each call to a stand-in (or through a
// proxy) asks `pick` which faults hit it. Draws come from one seeded PRNG,
// so a seed replays the same faults for the same sequence of calls. The
// sandbox's own loading and state() reads never go through here.
import type { FaultRule } from './scenario'

export type FaultService = FaultRule['service']

export interface Faults {
  /** Live: a test may replace or push rules at any time. */
  rules: FaultRule[]
  /** Faults injected so far, as `service:operation:fault`. */
  injected: Map<string, number>
  /** Re-seeds the PRNG (and clears `injected`). */
  reset(seed: number, rules?: FaultRule[]): void
  /**
   * What hits this call: the total latency of matching latency rules,
   * and the first matching failure, if any.
   */
  pick(service: FaultService, operation: string): Picked
}

export interface Picked {
  latencyMs: number
  failure?: Exclude<FaultRule['fault'], 'latency'>
}

const DEFAULT_LATENCY_MS = 200

export function createFaults(seed = 1, rules: FaultRule[] = []): Faults {
  let next = mulberry32(seed)
  const faults: Faults = {
    rules,
    injected: new Map(),
    reset(newSeed, newRules) {
      next = mulberry32(newSeed)
      if (newRules) faults.rules = newRules
      faults.injected.clear()
    },
    pick(service, operation) {
      const picked: Picked = { latencyMs: 0 }
      for (const rule of faults.rules) {
        if (rule.service !== service) continue
        if (rule.operation !== '*' && rule.operation !== operation) continue
        // One draw per matching rule, hit or not, keeps a seed's sequence
        // independent of which earlier rules hit.
        if (next() >= rule.rate) continue
        if (rule.fault === 'latency') {
          picked.latencyMs += rule.latencyMs ?? DEFAULT_LATENCY_MS
        } else if (!picked.failure) {
          picked.failure = rule.fault
        } else continue
        const name = `${service}:${operation}:${rule.fault}`
        faults.injected.set(name, (faults.injected.get(name) ?? 0) + 1)
      }
      return picked
    }
  }
  return faults
}

/** Total faults injected whose name starts with `prefix`. */
export function injectedCount(faults: Faults, prefix = ''): number {
  let total = 0
  for (const [name, n] of faults.injected)
    if (name.startsWith(prefix)) total += n
  return total
}

export const sleep = (ms: number) =>
  new Promise<void>((done) => setTimeout(done, ms))

// A small, well-known 32-bit PRNG: reproducible and fast enough to draw
// once per request. Tests draw their own seeded values from it too.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
