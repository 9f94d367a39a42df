// The job summary: a page an operator reads at 2 a.m. Verdict and reason
// first, then what blocks, then what changed. Long lists fold away, and
// the page stays under GitHub's 1 MiB limit.
import * as core from '@actions/core'
import { formatDuration } from './duration'
import type { Report, ReportBatch, ReportDrain } from './report'

const LIMIT_BYTES = 1_000_000
const MAX_ROWS = 200
const MAX_KEYS = 500

const VERDICT_MARK: Record<Report['verdict'], string> = {
  pass: '✅ pass',
  blocked: '⛔ blocked',
  error: '❌ error'
}

export function renderSummary(report: Report): string {
  const parts = [
    heading(report),
    flagsSection(report),
    report.rounds === undefined
      ? ''
      : batchesSection('Blocking', report.batches, 'blocking', true),
    batchesSection('Stalled', report.batches, 'stalled', false),
    batchesSection('Failed', report.batches, 'failed', false),
    report.drain ? drainSection(report.drain) : '',
    errorsSection(report.errors)
  ]
  return parts.filter(Boolean).join('\n')
}

export async function writeSummary(report: Report): Promise<void> {
  let text = renderSummary(report)
  if (Buffer.byteLength(text) > LIMIT_BYTES) {
    text =
      heading(report) +
      '\n> The full summary is over 1 MiB; see the JSON report for every entry.\n'
  }
  await core.summary.emptyBuffer().addRaw(text, true).write()
}

function heading(report: Report): string {
  const dry = report.dryRun ? ' (dry run: nothing was written)' : ''
  const where = report.stage ? ` on \`${report.stage}\`` : ''
  return [
    `## Animl maintenance gate: \`${report.mode}\`${where} — ${VERDICT_MARK[report.verdict]}`,
    '',
    `**${escape(report.reason)}**${dry}`,
    ''
  ].join('\n')
}

function flagsSection(report: Report): string {
  if (report.flags.length === 0) return ''
  const rows = report.flags.map((flag) => [
    flag.role,
    code(flag.name),
    flag.before ?? 'absent',
    flag.wouldBecome
      ? `${flag.after ?? 'absent'} (would become ${flag.wouldBecome})`
      : `${flag.after ?? 'absent'}${flag.changed ? ' (changed)' : ''}`
  ])
  return section('Flags', table(['flag', 'parameter', 'before', 'after'], rows))
}

function batchesSection(
  title: string,
  batches: readonly ReportBatch[],
  status: string,
  open: boolean
): string {
  const chosen = batches.filter((batch) => batch.status === status)
  if (chosen.length === 0) return open ? section(title, 'Nothing.') : ''
  const rows = chosen
    .slice(0, MAX_ROWS)
    .map((batch) => [
      code(batch.id),
      batch.projectId ?? '—',
      batch.phase,
      batch.ageSeconds === undefined
        ? '—'
        : formatDuration(batch.ageSeconds * 1_000),
      queueCell(batch.queue),
      batch.jobs
        .map((job) => `${code(job.jobId)} ${job.status}`)
        .join('<br>') || '—',
      escape(batch.reason)
    ])
  const body =
    table(
      [
        'id',
        'project',
        'phase',
        'since last step',
        'queue',
        'Batch job',
        'why'
      ],
      rows
    ) + more(chosen.length)
  const titled = `${title} (${chosen.length})`
  return open ? section(titled, body) : section(titled, details('Show', body))
}

function queueCell(queue: ReportBatch['queue']): string {
  if (!queue) return '—'
  if (!queue.exists) return 'none'
  return `${queue.visible} visible, ${queue.inFlight} in flight`
}

function drainSection(drain: ReportDrain): string {
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

function errorsSection(errors: readonly string[]): string {
  if (errors.length === 0) return ''
  return section('Errors', list(errors.map(escape)))
}

function section(title: string, body: string): string {
  return `### ${title}\n\n${body}\n`
}

function table(header: string[], rows: string[][]): string {
  const head = `| ${header.join(' | ')} |\n|${header.map(() => ' --- |').join('')}`
  return (
    [head, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join(
      '\n'
    ) + '\n'
  )
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

function list(lines: string[]): string {
  const shown = lines.slice(0, MAX_KEYS).map((line) => `- ${line}`)
  return shown.join('\n') + more(lines.length, MAX_KEYS)
}

function details(label: string, body: string): string {
  return `<details><summary>${escape(label)}</summary>\n\n${body}\n</details>\n`
}

function more(count: number, shown = MAX_ROWS): string {
  return count > shown
    ? `\n…and ${count - shown} more, in the JSON report.\n`
    : ''
}

function code(text: string): string {
  // Backticks inside a key would end the code span early.
  return '`' + text.replaceAll('`', "'") + '`'
}

function escape(text: string): string {
  return text.replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
