// The parking-lot part of the job summary.
import { code, details, escape, list, section, table } from './markdown'
import type { ReportDrain } from './report'

export function drainSection(drain: ReportDrain): string {
  const verb = drain.dryRun ? 'would move' : 'moved'
  const counts = new Map<string, number>()
  for (const held of drain.held)
    counts.set(held.reason, (counts.get(held.reason) ?? 0) + 1)
  const rows = [
    [verb, String(drain.moved.length)],
    ...[...counts].map(([reason, count]) => [`held: ${reason}`, String(count)]),
    ['failed', String(drain.failed.length)],
    ['bytes moved', String(drain.bytesMoved)]
  ]
  const parts = [table(['parking lot', 'objects'], rows)]
  for (const [reason] of counts) parts.push(heldList(drain, reason))
  if (drain.failed.length > 0) {
    const lines = drain.failed.map((f) => `${code(f.key)}: ${escape(f.error)}`)
    parts.push(details(`Failed (${drain.failed.length})`, list(lines)))
  }
  return section('Parking lot', parts.join('\n'))
}

function heldList(drain: ReportDrain, reason: string): string {
  const held = drain.held.filter((h) => h.reason === reason)
  if (reason !== 'orphaned-batch') {
    return details(
      `Held: ${reason} (${held.length})`,
      list(held.map((h) => code(h.key)))
    )
  }
  const byBatch = new Map<string, string[]>()
  for (const h of held) {
    const keys = byBatch.get(h.batchId ?? '') ?? []
    keys.push(h.key)
    byBatch.set(h.batchId ?? '', keys)
  }
  const lines = [...byBatch].map(
    ([batch, keys]) =>
      `${code(batch)}: ${keys.length} ${keys.length === 1 ? 'image' : 'images'}, queue gone`
  )
  return details(
    `Held: orphaned-batch (${held.length}, ${byBatch.size} batches)`,
    list(lines)
  )
}
