// The parking-lot part of the job summary. Every figure comes from the
// drain's exact counts; the key lists are its bounded samples (the JSON
// report has every key).
import { code, details, escape, list, section, table } from './markdown'
import type { ReportDrain } from './report'

const REASON: Record<string, string> = {
  'folder-marker': 'folder marker',
  unsupported: 'not an image',
  'orphaned-batch': 'batch queue gone'
}

export function drainSection(drain: ReportDrain): string {
  const { counts } = drain
  const orphanedBatches = Object.keys(drain.orphanedBatches).length
  const rows = [
    [drain.dryRun ? 'would move' : 'moved', count(counts.moved)],
    ...Object.entries(counts.held)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => [
        `held: ${REASON[reason] ?? reason}`,
        reason === 'orphaned-batch'
          ? `${count(n)} (${many(orphanedBatches, 'batch', 'batches')})`
          : count(n)
      ]),
    ['failed', count(counts.failed)],
    ['bounced back', count(counts.bounced)],
    ['not ingested in time', count(counts.notResumed)],
    ['bytes moved', bytes(drain.bytesMoved)]
  ]
  if (drain.seconds !== undefined && !drain.dryRun) {
    rows.push(['took', `${drain.seconds.toFixed(1)}s`])
    rows.push(['rate', `${count(rate(drain))} objects/s`])
  }
  if (drain.canary) {
    rows.push([
      'canary',
      `${code(drain.canary.key)}: ${CANARY[drain.canary.outcome]}`
    ])
  }
  const parts = [table(['parking lot', 'objects'], rows)]
  if (drain.stopped) parts.push(`Stopped moving: ${escape(drain.stopped)}`)
  if (counts.held['orphaned-batch'] > 0) parts.push(orphanedList(drain))
  for (const reason of ['folder-marker', 'unsupported'] as const) {
    if (counts.held[reason] > 0) parts.push(heldList(drain, reason))
  }
  parts.push(...keyLists(drain))
  return section('Parking lot', parts.join('\n'))
}

const CANARY: Record<NonNullable<ReportDrain['canary']>['outcome'], string> = {
  ingested: 'ingested, so the rest followed',
  bounced: 'came back: ingestion is still in maintenance',
  'not-resumed': 'not taken by ingest-image in time'
}

function rate(drain: ReportDrain): number {
  const seconds = drain.seconds ?? 0
  return seconds > 0 ? Math.round(drain.counts.moved / seconds) : 0
}

function count(n: number): string {
  return n.toLocaleString('en-US')
}

function many(n: number, one: string, other = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : other}`
}

/** 1,536 → "1.5 KiB": binary units, as S3's console shows sizes. */
export function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1_024 && unit < units.length - 1) {
    value /= 1_024
    unit++
  }
  return unit === 0
    ? many(n, 'byte')
    : `${value.toFixed(1)} ${units[unit]} (${count(n)} bytes)`
}

// One line per batch with its exact count, the sampled keys beneath it.
function orphanedList(drain: ReportDrain): string {
  const total = drain.counts.held['orphaned-batch']
  const sample = drain.held.filter((h) => h.reason === 'orphaned-batch')
  const byBatch = new Map<string, string[]>()
  for (const h of sample) {
    const keys = byBatch.get(h.batchId ?? '') ?? []
    keys.push(h.key)
    byBatch.set(h.batchId ?? '', keys)
  }
  const batches = Object.entries(drain.orphanedBatches)
  const lines = batches.map(([batch, n]) => {
    const keys = byBatch.get(batch) ?? []
    const shownKeys = keys.map((k) => `\n  - ${code(k)}`).join('')
    const rest =
      n > keys.length ? `\n  - …and ${count(n - keys.length)} more` : ''
    return `${code(batch)}: ${many(n, 'image')}, queue gone${shownKeys}${rest}`
  })
  const label =
    `Held, batch queue gone (${many(total, 'image')} of ` +
    `${many(batches.length, 'batch', 'batches')})`
  return details(label, list(lines) + shown(sample.length, total))
}

function heldList(
  drain: ReportDrain,
  reason: 'folder-marker' | 'unsupported'
): string {
  const total = drain.counts.held[reason]
  const held = drain.held.filter((h) => h.reason === reason)
  return details(
    `Held, ${REASON[reason]} (${count(total)})`,
    list(held.map((h) => code(h.key))) + shown(held.length, total)
  )
}

function keyLists(drain: ReportDrain): string[] {
  const parts: string[] = []
  const { counts } = drain
  const bounced = drain.bounced ?? []
  if (counts.bounced > 0) {
    parts.push(
      details(
        `Bounced back (${count(counts.bounced)})`,
        list(bounced.map(code)) + shown(bounced.length, counts.bounced)
      )
    )
  }
  const stuck = drain.notResumed ?? []
  if (counts.notResumed > 0) {
    parts.push(
      details(
        `Not ingested in time (${count(counts.notResumed)})`,
        list(stuck.map(code)) + shown(stuck.length, counts.notResumed)
      )
    )
  }
  if (counts.failed > 0) {
    const lines = drain.failed.map((f) => `${code(f.key)}: ${escape(f.error)}`)
    parts.push(
      details(
        `Failed (${count(counts.failed)})`,
        list(lines) + shown(drain.failed.length, counts.failed)
      )
    )
  }
  return parts
}

function shown(sampled: number, total: number): string {
  return sampled < total
    ? `\n\nFirst ${count(sampled)} of ${count(total)} shown; the JSON report has all.`
    : ''
}
