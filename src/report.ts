// The JSON report every mode writes: what the gate found and changed, for
// machines and for the record.
import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Finding } from './classify'
import { writeJsonStreaming, type ReportDrain } from './drain'
import type { FlagState } from './flags'
import type { MaintenanceWindow } from './maintenance-window'
import type { ProbeResult } from './probe'
import type { SignOutResult } from './sign-out'
import type { StatusObjectResult } from './status-object'
import type { RunIdentity } from './provenance'

export type Verdict = 'pass' | 'blocked' | 'error'

export interface Report {
  mode: string
  stage: string
  dryRun: boolean
  verdict: Verdict
  /** One line saying why the verdict is what it is. */
  reason: string
  startedAt: string
  finishedAt?: string
  run?: {
    repository?: string
    runId?: string
    workflow?: string
    actor?: string
  }
  resources: Record<string, string | undefined>
  flags: ReportFlag[]
  maintenance?: ReportWindow
  batches: ReportBatch[]
  rounds?: number
  drain?: ReportDrain
  /** What enter or exit wrote to the status object, when one is given. */
  statusObject?: StatusObjectResult
  /** The users enter signed out, when a user pool is given. */
  signOut?: SignOutResult
  errors: string[]
}

export interface ReportFlag {
  name: string
  role: string
  before: string | null
  after: string | null
  changed: boolean
  wouldBecome?: string
  /** The flag's last change: when, by which principal, from which run. */
  modifiedAt?: string
  modifiedBy?: string
  changedByRun?: RunIdentity
  /** Whether the flag was seen in effect after it was set. */
  probe?: ProbeResult
}

export interface ReportWindow {
  on: boolean
  since?: string
  startedBy?: RunIdentity
  longerThanMax: boolean
}

export interface ReportBatch {
  id: string
  phase: string
  status: string
  reason: string
  projectId?: string
  lastStepAt?: string
  ageSeconds?: number
  queue: { exists: boolean; visible?: number; inFlight?: number } | null
  jobs: { jobId: string; status: string }[]
}

export type { ReportDrain } from './drain'

export function reportFlags(flags: readonly FlagState[]): ReportFlag[] {
  return flags.map((flag) => ({
    name: flag.name,
    role: flag.role,
    before: flag.before,
    after: flag.after,
    changed: flag.before !== flag.after,
    ...(flag.wouldBecome && { wouldBecome: flag.wouldBecome }),
    ...(flag.modifiedAt && { modifiedAt: flag.modifiedAt.toISOString() }),
    ...(flag.modifiedBy && { modifiedBy: flag.modifiedBy }),
    ...(flag.provenance && { changedByRun: runOf(flag.provenance) }),
    ...(flag.probe && {
      probe: { ...flag.probe, seconds: round1(flag.probe.seconds) }
    })
  }))
}

function round1(seconds: number): number {
  return Math.round(seconds * 10) / 10
}

function runOf(run: RunIdentity): RunIdentity {
  const { actor, repository, workflow, runId, url } = run
  return { actor, repository, workflow, runId, url }
}

export function reportWindow(window: MaintenanceWindow): ReportWindow {
  return {
    on: window.on,
    ...(window.since && { since: window.since.toISOString() }),
    ...(window.startedBy && { startedBy: runOf(window.startedBy) }),
    longerThanMax: window.tooLong
  }
}

export function reportBatches(
  findings: readonly Finding[],
  now: Date
): ReportBatch[] {
  return findings.map((finding) => ({
    id: finding.id,
    phase: finding.phase,
    status: finding.status,
    reason: finding.reason,
    ...(finding.projectId && { projectId: finding.projectId }),
    ...(finding.lastStepAt && {
      lastStepAt: finding.lastStepAt.toISOString(),
      ageSeconds: Math.round(
        (now.getTime() - finding.lastStepAt.getTime()) / 1_000
      )
    }),
    queue: finding.queue ? { ...finding.queue } : null,
    jobs: [...finding.jobs]
  }))
}

export async function writeReport(path: string, report: Report): Promise<void> {
  await ensureDir(dirname(path))
  // The drain's lists can be long: they are streamed from spool files.
  await writeJsonStreaming(path, report)
}

// Node's recursive mkdir spins forever under some pseudo file systems
// (/proc); create the missing folders one by one instead, so a bad
// report-path fails at once.
async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = []
  for (let at = dir; ; at = dirname(at)) {
    if (await exists(at)) break
    missing.unshift(at)
    if (dirname(at) === at) break
  }
  for (const folder of missing) await mkdir(folder)
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false
  )
}
