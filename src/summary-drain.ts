// The parking-lot part of the job summary: counts, rate, and bounded
// samples (the JSON report has every key).
import { code, details, escape, list, section, table } from './markdown'
import type { ReportDrain } from './report'

export function drainSection(drain: ReportDrain): string {
  const verb = drain.dryRun ? 'would move' : 'moved'
  const held = heldCounts(drain)
  const counts = drain.counts
  const rows = [
    [verb, String(counts?.moved ?? drain.moved.length)],
    ...[...held].map(([reason, count]) => [`held: ${reason}`, String(count)]),
    ['failed', String(counts?.failed ?? drain.failed.length)],
    ['bounced back', String(drain.bounced?.length ?? 0)],
    ['not ingested in time', String(counts?.notResumed ?? 0)],
    ['bytes moved', String(drain.bytesMoved)]
  ]
  if (drain.seconds !== undefined && !drain.dryRun) {
    rows.push(['took', `${drain.seconds.toFixed(1)}s`])
    rows.push(['objects per second', String(drain.objectsPerSecond ?? 0)])
  }
  const parts = [table(['parking lot', 'objects'], rows)]
  if (drain.stopped) parts.push(`Stopped moving: ${escape(drain.stopped)}`)
  for (const [reason, count] of held) parts.push(heldList(drain, reason, count))
  parts.push(...keyLists(drain))
  return section('Parking lot', parts.join('\n'))
}

function heldCounts(drain: ReportDrain): Map<string, number> {
  const counts = new Map<string, number>()
  if (drain.counts) {
    for (const [reason, n] of Object.entries(drain.counts.held))
      if (n > 0) counts.set(reason, n)
    return counts
  }
  for (const h of drain.held)
    counts.set(h.reason, (counts.get(h.reason) ?? 0) + 1)
  return counts
}

function keyLists(drain: ReportDrain): string[] {
  const parts: string[] = []
  const bounced = drain.bounced ?? []
  if (bounced.length > 0) {
    parts.push(
      details(`Bounced back (${bounced.length})`, list(bounced.map(code)))
    )
  }
  const stuck = drain.notResumed ?? []
  if (stuck.length > 0) {
    const total = drain.counts?.notResumed ?? stuck.length
    parts.push(
      details(
        `Not ingested in time (${total})`,
        list(stuck.map(code)) + shown(stuck.length, total)
      )
    )
  }
  const failed = drain.failed
  if (failed.length > 0) {
    const total = drain.counts?.failed ?? failed.length
    const lines = failed.map((f) => `${code(f.key)}: ${escape(f.error)}`)
    parts.push(
      details(`Failed (${total})`, list(lines) + shown(failed.length, total))
    )
  }
  return parts
}

function shown(count: number, total: number): string {
  return count < total
    ? `\n\nFirst ${count} of ${total}; the JSON report has all.`
    : ''
}

function heldList(drain: ReportDrain, reason: string, total: number): string {
  if (reason === 'orphaned-batch' && drain.orphanedBatches) {
    const batches = Object.entries(drain.orphanedBatches)
    const lines = batches.map(
      ([batch, n]) =>
        `${code(batch)}: ${n} ${n === 1 ? 'image' : 'images'}, queue gone`
    )
    return details(
      `Held: orphaned-batch (${total}, ${batches.length} batches)`,
      list(lines)
    )
  }
  const held = drain.held.filter((h) => h.reason === reason)
  return details(
    `Held: ${reason} (${total})`,
    list(held.map((h) => code(h.key))) + shown(held.length, total)
  )
}
