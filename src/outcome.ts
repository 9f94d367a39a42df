// What a mode found and did, filled in step by step, so that a run that
// stops part-way still reports exactly what happened before it stopped.
import type { AwsClients } from './clients'
import type { CheckDeps } from './check'
import type { Finding } from './classify'
import type { DrainResult } from './drain'
import type { FlagState } from './flags'
import type { MaintenanceWindow } from './maintenance-window'
import type { Verdict } from './report'
import type { Resources } from './resources'
import type { Settings } from './settings'
import type { SignOutResult } from './sign-out'
import type { StatusObjectResult } from './status-object'

export interface Outcome {
  verdict: Verdict
  reason: string
  resources: Resources
  flags: FlagState[]
  window?: MaintenanceWindow
  findings: Finding[]
  checkedAt?: Date
  rounds?: number
  drain?: DrainResult
  statusObject?: StatusObjectResult
  signOut?: SignOutResult
  errors: string[]
}

export interface ModeContext {
  readonly settings: Settings
  readonly aws: AwsClients
  readonly clock: CheckDeps
  readonly outcome: Outcome
  /** Aborted on SIGINT/SIGTERM or at `timeout`: start nothing new. */
  readonly signal: AbortSignal
}

export function newOutcome(): Outcome {
  return {
    verdict: 'error',
    reason: 'The gate stopped before it reached a verdict',
    resources: {},
    flags: [],
    findings: [],
    errors: []
  }
}

export function conclude(outcome: Outcome, verdict: Verdict, reason: string) {
  outcome.verdict = verdict
  outcome.reason = reason
  if (verdict === 'error') outcome.errors.push(reason)
}

export function blockingCount(outcome: Outcome): number {
  return outcome.findings.filter((f) => f.status === 'blocking').length
}
