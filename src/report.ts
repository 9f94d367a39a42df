// The JSON report every mode writes: what the gate found and changed, for
// machines and for the record.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Finding } from './classify'
import type { DrainResult } from './drain'
import type { FlagState } from './flags'

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
  batches: ReportBatch[]
  rounds?: number
  drain?: ReportDrain
  errors: string[]
}

export interface ReportFlag {
  name: string
  role: string
  before: string | null
  after: string | null
  changed: boolean
  wouldBecome?: string
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

export type ReportDrain = DrainResult & { dryRun: boolean }

export function reportFlags(flags: readonly FlagState[]): ReportFlag[] {
  return flags.map((flag) => ({
    name: flag.name,
    role: flag.role,
    before: flag.before,
    after: flag.after,
    changed: flag.before !== flag.after,
    ...(flag.wouldBecome && { wouldBecome: flag.wouldBecome })
  }))
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
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, JSON.stringify(report, null, 2) + '\n')
}
