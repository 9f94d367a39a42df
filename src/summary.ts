// The job summary: a page an operator reads at 2 a.m. Verdict and reason
// first, then what blocks, then what changed. Long lists fold away, and
// the page stays under GitHub's 1 MiB limit.
import * as core from '@actions/core'
import { formatDuration } from './duration'
import {
  code,
  details,
  escape,
  list,
  MAX_ROWS,
  more,
  section,
  table
} from './markdown'
import type { Report, ReportBatch } from './report'
import { drainSection } from './summary-drain'

const LIMIT_BYTES = 1_000_000

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

function errorsSection(errors: readonly string[]): string {
  if (errors.length === 0) return ''
  return section('Errors', list(errors.map(escape)))
}
