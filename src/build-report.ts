// Turns a run's outcome into the JSON report.
import { reportDrain } from './drain'
import type { Outcome } from './outcome'
import { reportBatches, reportFlags, reportWindow, type Report } from './report'
import type { Settings } from './settings'

export function buildReport(
  settings: Settings | undefined,
  outcome: Outcome,
  startedAt: Date,
  rawMode: string
): Report {
  const { resources } = outcome
  return {
    mode: settings?.mode ?? rawMode,
    stage: settings?.stage ?? '',
    dryRun: settings?.dryRun ?? false,
    verdict: outcome.verdict,
    reason: outcome.reason,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    run: {
      repository: process.env.GITHUB_REPOSITORY,
      runId: process.env.GITHUB_RUN_ID,
      workflow: process.env.GITHUB_WORKFLOW,
      actor: process.env.GITHUB_ACTOR
    },
    // The MongoDB URI is a secret: the report names only where it came from.
    resources: {
      parkingLotBucket: resources.parkingLotBucket,
      ingestionBucket: resources.ingestionBucket,
      batchJobQueue: resources.batchJobQueue
    },
    flags: reportFlags(outcome.flags),
    ...(outcome.window && { maintenance: reportWindow(outcome.window) }),
    batches: reportBatches(outcome.findings, outcome.checkedAt ?? new Date()),
    ...(outcome.rounds !== undefined && { rounds: outcome.rounds }),
    ...(outcome.drain && {
      drain: reportDrain(outcome.drain, settings?.dryRun ?? false)
    }),
    ...(outcome.statusObject && { statusObject: outcome.statusObject }),
    ...(outcome.signOut && { signOut: outcome.signOut }),
    errors: outcome.errors
  }
}
