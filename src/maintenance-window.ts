// Since when Animl has been in maintenance, and who started it, from the
// flags' last changes. A window open longer than max-maintenance is
// warned about, so a failed deploy cannot leave Animl closed unnoticed.
import * as core from '@actions/core'
import { formatDuration } from './duration'
import type { FlagState } from './flags'
import type { RunIdentity } from './provenance'

export interface MaintenanceWindow {
  readonly on: boolean
  /** When the earliest flag that is on was turned on. */
  readonly since?: Date
  readonly startedBy?: RunIdentity
  readonly tooLong: boolean
}

export function maintenanceWindow(
  flags: readonly FlagState[],
  now: Date,
  maxMs: number
): MaintenanceWindow {
  const on = flags.filter((flag) => flag.before === 'true')
  if (on.length === 0) return { on: false, tooLong: false }
  const dated = on
    .filter((flag) => flag.modifiedAt)
    .sort((a, b) => a.modifiedAt!.getTime() - b.modifiedAt!.getTime())
  const first = dated[0]
  const since = first?.modifiedAt
  const tooLong = since ? now.getTime() - since.getTime() > maxMs : false
  return { on: true, since, startedBy: first?.provenance, tooLong }
}

export function logWindow(window: MaintenanceWindow, now: Date): void {
  if (!window.on) {
    core.info('Maintenance is off')
    return
  }
  const since = window.since
  const age = since ? formatDuration(now.getTime() - since.getTime()) : '?'
  const by = window.startedBy?.url ?? window.startedBy?.runId ?? 'unknown run'
  const text = `Maintenance has been on for ${age}${since ? ` (since ${since.toISOString()})` : ''}, started by ${by}`
  if (window.tooLong) core.warning(`${text}: longer than max-maintenance`)
  else core.info(text)
}
