// The job summary: a page an operator reads at 2 a.m. Verdict and reason
// first, then the state Animl is left in, then what blocks, then what
// changed. Long lists fold away, and the page stays under GitHub's limit.
import * as core from '@actions/core'
import { notices, type NoticeKind } from './annotations'
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
import type { RunIdentity } from './provenance'
import type { Report, ReportBatch, ReportFlag } from './report'
import { heldTotal } from './drain/spool'
import { drainSection } from './summary-drain'
import { probeCell, probed, sessionsSection } from './summary-sessions'

// GitHub refuses a step summary over 1 MiB; stay clear of it.
export const LIMIT_BYTES = 1_000_000

const VERDICT: Record<Report['verdict'], string> = {
  pass: '✅ Pass',
  blocked: '⛔ Blocked',
  error: '❌ Error'
}

const ROLE_NAME: Record<string, string> = {
  frontend: 'Frontend',
  api: 'API',
  ingestion: 'Ingestion'
}

const BATCH_HEADER = [
  'batch',
  'project',
  'phase',
  'since last step',
  'queue depth',
  'Batch job',
  'why'
]

/** The sections of the page, most important first. */
export function summarySections(report: Report): string[] {
  const sections = [
    heading(report),
    attentionSection(report),
    errorsSection(report.errors, report.reason),
    report.rounds === undefined ? '' : blockingSection(report),
    flagsSection(report.flags),
    sessionsSection(report),
    report.drain ? drainSection(report.drain) : '',
    foldedBatches('Stalled', report.batches, 'stalled'),
    foldedBatches('Failed', report.batches, 'failed'),
    runSection(report)
  ]
  return sections.filter(Boolean)
}

export function renderSummary(report: Report): string {
  return summarySections(report).join('\n')
}

/**
 * Keeps whole sections, in order, while they fit; says what was cut. The
 * heading always stays, so the verdict is never lost.
 */
export function fitSummary(
  sections: readonly string[],
  limit = LIMIT_BYTES
): string {
  const note = (left: number) =>
    `\n> ✂️ ${left} of ${sections.length} sections were left out to stay ` +
    `under GitHub's 1 MiB summary limit. The JSON report has every entry.\n`
  const budget = limit - Buffer.byteLength(note(sections.length))
  let used = 0
  const kept: string[] = []
  for (const part of sections) {
    const size = Buffer.byteLength(part) + 1
    if (kept.length > 0 && used + size > budget) break
    kept.push(part)
    used += size
  }
  const text = kept.join('\n')
  if (kept.length === sections.length) return text
  return text + note(sections.length - kept.length)
}

export async function writeSummary(report: Report): Promise<void> {
  const text = fitSummary(summarySections(report))
  await core.summary.emptyBuffer().addRaw(text, true).write()
}

function heading(report: Report): string {
  const where = report.stage ? ` on \`${report.stage}\`` : ''
  const dry = report.dryRun
    ? '\n\n🧪 **Dry run**: nothing was written; the tables say what would change.'
    : ''
  return [
    `## ${VERDICT[report.verdict]}: \`${report.mode}\`${where}`,
    '',
    `**${escape(report.reason)}**${dry}`,
    '',
    stateLine(report.flags),
    '',
    windowLine(report),
    '',
    nextStep(report),
    ''
  ].join('\n')
}

// What an operator does next, by mode and verdict. Empty when done.
const NEXT: Record<string, string> = {
  'check pass': '`enter` can close Animl for a deploy now.',
  'check blocked':
    'Wait for the batches below, then run `check` again, or let `enter` wait with `wait-timeout`.',
  'enter pass': 'Deploy now, then run `exit` to reopen Animl.',
  'enter blocked':
    'Run `enter` again later (flags already on stay on), or `exit` to reopen Animl.',
  'enter error':
    'Fix the error, then run `enter` again; flags already on stay on.',
  'exit error':
    'What was not moved is still in the parking lot: fix the cause and run `exit` again.'
}

// Since when Animl has been closed (read before this run), and which run
// closed it: a deploy that failed must not leave it closed unnoticed.
function windowLine(report: Report): string {
  const window = report.maintenance
  if (!window?.on) return ''
  const since = window.since
  const age = since
    ? ` for ${formatDuration(Date.parse(report.startedAt) - Date.parse(since))} (since ${utc(since)})`
    : ' (since an unknown time)'
  const run = window.startedBy
  const link = run && (runLink(run) ?? run.runId)
  const who = [run?.actor && escape(run.actor), link].filter(Boolean)
  const by = who.length > 0 ? `, started by ${who.join(' in ')}` : ''
  const tooLong = window.longerThanMax
    ? ' ⚠️ **Longer than `max-maintenance`**: is a deploy stuck?'
    : ''
  // exit reopens Animl: the window it read is over by the time it reports.
  const verb =
    report.mode === 'exit' && report.verdict === 'pass' && !report.dryRun
      ? 'had been'
      : 'has been'
  return `🕒 Animl ${verb} in maintenance${age}${by}.${tooLong}`
}

function runLink(run: RunIdentity): string | undefined {
  return run.url && run.runId ? `[run ${run.runId}](${run.url})` : undefined
}

function utc(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC')
}

function nextStep(report: Report): string {
  // Already closed: the usual "enter can close it now" would mislead.
  if (report.mode === 'check' && report.maintenance?.on) {
    return '➡️ Animl is already in maintenance: finish the deploy, then run `exit` to reopen it.'
  }
  if (report.mode === 'exit' && report.verdict === 'pass') {
    const counts = report.drain?.counts
    if (counts && heldTotal(counts.held) > 0) {
      return '➡️ Look at the held objects below: images of a batch whose queue is gone need their zip uploaded again (see Troubleshooting in the README).'
    }
  }
  const next =
    NEXT[`${report.mode} ${report.verdict}`] ??
    (report.verdict === 'error' ? 'Fix the error and run the gate again.' : '')
  return next ? `➡️ ${next}` : ''
}

const ATTENTION: Record<NoticeKind, (count: number) => string> = {
  stalled: (n) =>
    `${n} stalled ${n === 1 ? 'batch' : 'batches'} (not blocking)`,
  failed: (n) => `${n} failed ${n === 1 ? 'batch' : 'batches'} (not blocking)`,
  orphaned: (n) =>
    `images of ${n} ${n === 1 ? 'batch' : 'batches'} held in the parking lot: the batch queue is gone`,
  'not-moved': (n) =>
    `${n} ${n === 1 ? 'object' : 'objects'} could not be moved and stay parked`
}

/** One line per kind of trouble; the details are in the sections below. */
function attentionSection(report: Report): string {
  const groups = notices(report)
  const lines = groups.map(({ kind, total }) => `- ${ATTENTION[kind](total)}`)
  // Also a warning in the log (logWindow), so not among the notices.
  if (report.maintenance?.longerThanMax) {
    lines.unshift('- maintenance has been on longer than `max-maintenance`')
  }
  if (lines.length === 0) return ''
  const quoted = lines.map((line) => `> ${line}`).join('\n')
  return `> ⚠️ **Needs attention**\n>\n${quoted}\n`
}

/** `Frontend **in maintenance** · API **open**`: where Animl stands now. */
function stateLine(flags: readonly ReportFlag[]): string {
  if (flags.length === 0) return ''
  const parts = flags.map((flag) => {
    const value = flag.wouldBecome ?? flag.after
    const state =
      value === 'true'
        ? '🚧 in maintenance'
        : value === null
          ? '❔ no flag'
          : '🟢 open'
    const label = ROLE_NAME[flag.role] ?? flag.role
    return `${label} **${state}**`
  })
  const lead = flags.some((flag) => flag.wouldBecome)
    ? 'After a real run'
    : 'Now'
  return `${lead}: ${parts.join(' · ')}`
}

function errorsSection(errors: readonly string[], reason: string): string {
  // The first error is usually the reason itself, already in bold above.
  const rest = errors.filter((error) => error !== reason)
  if (rest.length === 0) return ''
  return section('Errors', list(rest.map(escape)))
}

function flagsSection(flags: readonly ReportFlag[]): string {
  if (flags.length === 0) return ''
  // Who and when come from SSM's record of the last write; shown only
  // when the report has them.
  const known = flags.some((flag) => flag.modifiedAt || flag.modifiedBy)
  const header = ['flag', 'SSM parameter', 'before', 'after', 'change']
  const withProbe = probed(flags)
  const rows = flags.map((flag) => [
    ROLE_NAME[flag.role] ?? flag.role,
    code(flag.name),
    flagValue(flag.before),
    flagValue(flag.wouldBecome ?? flag.after),
    change(flag),
    ...(known ? [lastChange(flag)] : []),
    ...(withProbe ? [probeCell(flag)] : [])
  ])
  return section(
    'Flags',
    table(
      [
        ...header,
        ...(known ? ['last written'] : []),
        ...(withProbe ? ['in effect'] : [])
      ],
      rows
    )
  )
}

function lastChange(flag: ReportFlag): string {
  const when = flag.modifiedAt ? utc(flag.modifiedAt) : ''
  const run = flag.changedByRun
  const link = run && runLink(run)
  const who = run?.actor
    ? `${escape(run.actor)}${link ? ` (${link})` : ''}`
    : flag.modifiedBy
      ? code(flag.modifiedBy)
      : ''
  return [when, who].filter(Boolean).join(' by ') || '—'
}

function flagValue(value: string | null): string {
  return value === null ? '*absent*' : code(value)
}

function change(flag: ReportFlag): string {
  const turned = (value: string | null) =>
    value === 'true' ? 'turned on' : value === 'false' ? 'turned off' : 'set'
  if (flag.wouldBecome) return `would be ${turned(flag.wouldBecome)} (dry run)`
  return flag.changed ? `**${turned(flag.after)}**` : 'unchanged'
}

function blockingSection(report: Report): string {
  const blocking = report.batches.filter((b) => b.status === 'blocking')
  const waited =
    report.rounds !== undefined && report.rounds > 1
      ? ` Checked ${report.rounds} times while waiting.`
      : ''
  if (blocking.length === 0) {
    return section(
      'In flight',
      `Nothing: no batch is being uploaded or unzipped.${waited}`
    )
  }
  const body = batchTable(blocking) + more(blocking.length)
  return section(`In flight (${blocking.length})`, body + waited)
}

function foldedBatches(
  title: string,
  batches: readonly ReportBatch[],
  status: string
): string {
  const chosen = batches.filter((batch) => batch.status === status)
  if (chosen.length === 0) return ''
  const body = batchTable(chosen) + more(chosen.length)
  const label = `${title} batches (${chosen.length}): reported, not blocking`
  return details(label, body)
}

function batchTable(batches: readonly ReportBatch[]): string {
  const rows = batches
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
        .map((job) => `${job.status} ${code(job.jobId)}`)
        .join('<br>') || '—',
      escape(batch.reason)
    ])
  return table(BATCH_HEADER, rows)
}

function queueCell(queue: ReportBatch['queue']): string {
  if (!queue) return '—'
  if (!queue.exists) return 'gone'
  return `${queue.visible ?? 0} waiting, ${queue.inFlight ?? 0} in flight`
}

function runSection(report: Report): string {
  const rows: string[][] = []
  const took = report.finishedAt
    ? Date.parse(report.finishedAt) - Date.parse(report.startedAt)
    : undefined
  rows.push(['started', report.startedAt])
  if (took !== undefined && Number.isFinite(took)) {
    rows.push(['took', formatDuration(took)])
  }
  const run = report.run ?? {}
  if (run.workflow) rows.push(['workflow', escape(run.workflow)])
  if (run.actor) rows.push(['started by', escape(run.actor)])
  for (const [name, value] of Object.entries(report.resources)) {
    if (value) rows.push([name, code(value)])
  }
  return details('Run details', table(['', 'value'], rows))
}
