// The action: parse the inputs, run one mode, and always publish what it
// found (report, summary, outputs), whatever happened on the way.
import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GRACE_MS, Stopper, stopReason } from './abort'
import { realClock, type CheckDeps } from './check'
import { createAwsClients, type AwsClients } from './clients'
import { annotate, notices } from './annotations'
import { errorMessage, InputError } from './errors'
import { readInput } from './inputs'
import { INPUTS, OUTPUTS, type Mode } from './io-names'
import { runCheck } from './modes/check'
import { runEnter } from './modes/enter'
import { runExit } from './modes/exit'
import {
  blockingCount,
  conclude,
  newOutcome,
  type ModeContext
} from './outcome'
import { buildReport } from './build-report'
import { writeReport } from './report'
import { checkMongoUriInput, parseSettings, type Settings } from './settings'
import { writeSummary } from './summary'

const MODES: Record<Mode, (ctx: ModeContext) => Promise<void>> = {
  check: runCheck,
  enter: runEnter,
  exit: runExit
}

export async function run(clock: CheckDeps = realClock): Promise<void> {
  const startedAt = new Date()
  const outcome = newOutcome()
  let settings: Settings | undefined
  let aws: AwsClients | undefined
  let stopper: Stopper | undefined
  // A mode that did not wind down within the grace after a stop.
  let lingering = false
  try {
    settings = parseSettings(readInput)
    await checkMongoUriInput(settings)
    core.info(
      `Mode ${settings.mode} on stage ${settings.stage}${settings.dryRun ? ' (dry run)' : ''}`
    )
    stopper = new Stopper(settings.timeoutMs)
    aws = createAwsClients(settings.region)
    const { signal } = stopper
    const running = MODES[settings.mode]({
      settings,
      aws,
      clock,
      outcome,
      signal
    })
    lingering = !(await stopper.wait(running))
    if (lingering) running.catch(() => undefined)
    if (signal.aborted) conclude(outcome, 'error', stopReason(signal))
  } catch (error) {
    conclude(outcome, 'error', errorMessage(error))
    if (stopper?.signal.aborted) {
      conclude(outcome, 'error', stopReason(stopper.signal))
    }
    if (!(error instanceof InputError) && error instanceof Error) {
      core.debug(error.stack ?? '')
    }
  } finally {
    if (!lingering) aws?.destroy()
  }
  await publish(settings, outcome, startedAt)
  stopper?.dispose()
  if (outcome.verdict !== 'pass') core.setFailed(outcome.reason)
  if (lingering) {
    core.warning(
      `The run did not wind down within ${GRACE_MS / 1_000}s of the stop; the report shows what was confirmed by then`
    )
    // Only if something still holds the process (a request in flight):
    // the report is out, and nothing unconfirmed is ever deleted.
    setTimeout(() => process.exit(), 2_000).unref()
  }
}

async function publish(
  settings: Settings | undefined,
  outcome: ReturnType<typeof newOutcome>,
  startedAt: Date
): Promise<void> {
  const report = buildReport(
    settings,
    outcome,
    startedAt,
    readInput(INPUTS.mode)
  )
  const path = reportPath(settings)
  core.setOutput(OUTPUTS.verdict, report.verdict)
  core.setOutput(OUTPUTS.blocking, String(blockingCount(outcome)))
  try {
    await writeReport(path, report)
    core.setOutput(OUTPUTS.report, path)
    core.info(`Report written to ${path}`)
  } catch (error) {
    core.warning(
      `Could not write the report to ${path}: ${errorMessage(error)}`
    )
  }
  annotate(notices(report))
  try {
    await writeSummary(report)
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }
}

function reportPath(settings: Settings | undefined): string {
  // When the inputs did not parse, the raw input still says where to go.
  const given = settings?.reportPath ?? readInput(INPUTS.reportPath)
  if (given) return given
  const dir = process.env.RUNNER_TEMP || tmpdir()
  const mode = settings?.mode ?? readInput(INPUTS.mode)
  const name = /^[a-z]+$/.test(mode)
    ? `animl-maintenance-gate-${mode}.json`
    : 'animl-maintenance-gate.json'
  return join(dir, name)
}
