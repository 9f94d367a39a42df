// What must hold after any drain, however it ended (faults, a signal, a
// kill): read from the sandbox's state and the S3 proxy's request log.
import type { LoggedRequest } from '../../sandbox/s3-proxy'
import type { SandboxState } from '../../sandbox/sandbox'
import type { Scenario, ScenarioObject } from '../../sandbox/scenario'
import { scenario } from './harness'

export const LOT = 'animl-images-parkinglot-prod'
export const INGESTION = 'animl-images-ingestion-prod'

/** after-deploy's parking lot (odd keys, held kinds) plus `bulk` images. */
export function busyLot(bulk: number): Scenario {
  const base = scenario('after-deploy')
  const extra: ScenarioObject[] = Array.from({ length: bulk }, (_, i) => ({
    key: `bulk/${String(i).padStart(4, '0')} cam#${i % 7}.JPG`,
    size: 1_024,
    contentType: 'image/jpeg'
  }))
  return {
    ...base,
    buckets: {
      ...base.buckets,
      [LOT]: [...(base.buckets[LOT] ?? []), ...extra]
    },
    sandbox: { ingestFlagCacheSeconds: 0 }
  }
}

export function parkedKeys(s: Scenario): string[] {
  return (s.buckets[LOT] ?? []).map((o) => o.key)
}

/** Where each key is: lot, ingestion bucket, ingested (0 to 3 places). */
export function places(state: SandboxState, key: string): string[] {
  const where: string[] = []
  if (state.buckets[LOT]?.includes(key)) where.push('lot')
  if (state.buckets[INGESTION]?.includes(key)) where.push('ingestion')
  if (state.ingested.includes(key)) where.push('ingested')
  return where
}

export const copied = (r: LoggedRequest) =>
  r.name === 'CopyObject' && r.bucket === INGESTION && r.status === 200

/**
 * Keys a DeleteObjects on the parking lot asked to delete with no
 * successful copy of that key answered before the delete was sent.
 */
export function deletedUnconfirmed(log: LoggedRequest[]): string[] {
  const confirmedAt = new Map<string, number>()
  for (const r of log) {
    if (copied(r) && r.key !== undefined && r.end !== undefined) {
      const first = confirmedAt.get(r.key)
      if (first === undefined || r.end < first) confirmedAt.set(r.key, r.end)
    }
  }
  const bad: string[] = []
  for (const r of log) {
    if (r.name !== 'DeleteObjects' || r.bucket !== LOT) continue
    for (const key of r.keys ?? []) {
      const at = confirmedAt.get(key)
      if (at === undefined || at > r.at) bad.push(key)
    }
  }
  return bad
}

/** Keys copied into ingestion more than once (ingested twice). */
export function copiedTwice(log: LoggedRequest[]): string[] {
  const n = new Map<string, number>()
  for (const r of log)
    if (copied(r) && r.key !== undefined) n.set(r.key, (n.get(r.key) ?? 0) + 1)
  return [...n].filter(([, c]) => c > 1).map(([k]) => k)
}

/** Keys whose copy succeeded but which were never asked to be deleted. */
export function copiedNotDeleted(log: LoggedRequest[]): Set<string> {
  const deleted = new Set<string>()
  for (const r of log)
    if (r.name === 'DeleteObjects' && r.status === 200)
      for (const k of r.keys ?? []) deleted.add(k)
  const out = new Set<string>()
  for (const r of log)
    if (copied(r) && r.key !== undefined && !deleted.has(r.key)) out.add(r.key)
  return out
}
