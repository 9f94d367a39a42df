// Summary pieces for issue #6: whether each flag was seen in effect, and
// what the open tabs and sessions were told.
import { code, escape, section, table } from './markdown'
import type { Report, ReportFlag } from './report'

/** The flags table's `in effect` cell; — when the flag was not probed. */
export function probeCell(flag: ReportFlag): string {
  const probe = flag.probe
  if (!probe) return '—'
  const tries = `${probe.attempts} ${probe.attempts === 1 ? 'try' : 'tries'}`
  const took = `${probe.seconds.toFixed(1)}s`
  switch (probe.status) {
    case 'passed':
      return `✅ after ${took} (${tries})`
    case 'failed':
      return `❌ not after ${took} (${tries}; ${escape(probe.detail)})`
    case 'pending':
      return `⏳ not yet (${escape(probe.detail)}); a real run would wait`
    default:
      return 'not probed'
  }
}

export function probed(flags: readonly ReportFlag[]): boolean {
  return flags.some((flag) => flag.probe && flag.probe.status !== 'skipped')
}

/** Status object and sign-out, when either was asked for. */
export function sessionsSection(report: Report): string {
  const rows: string[][] = []
  const status = report.statusObject
  if (status) {
    const state = status.body.maintenance ? 'maintenance' : 'open'
    const what = status.written
      ? `written: **${state}**`
      : status.error
        ? `❌ not written: ${escape(status.error)}`
        : `would be written: ${state} (dry run)`
    const end = status.body.expectedEnd
      ? `, expected end ${status.body.expectedEnd}`
      : ''
    rows.push(['status object', `${code(status.location)} ${what}${end}`])
  }
  const out = report.signOut
  if (out) {
    const text = out.dryRun
      ? `would sign out ${out.users} users (dry run)`
      : `${out.signedOut} of ${out.users} users signed out` +
        (out.failed > 0 ? `, ⚠️ ${out.failed} failed` : '') +
        (out.skipped > 0 ? `, ${out.skipped} left after the stop` : '') +
        ` in ${out.seconds.toFixed(1)}s`
    const error = out.error ? `; ❌ ${escape(out.error)}` : ''
    rows.push(['sign-out', `${code(out.userPool)}: ${text}${error}`])
  }
  if (rows.length === 0) return ''
  return section('Open tabs and sessions', table(['', 'what happened'], rows))
}
