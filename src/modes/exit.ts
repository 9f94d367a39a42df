// `exit`: open the doors in reverse. Ingestion first, then, once every
// reader's cached flag has expired, the parked images go back in, then the
// api and the frontend.
import * as core from '@actions/core'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  drainParkingLot,
  emptyDrain,
  heldTotal,
  type DrainResult
} from '../drain'
import { listPages } from '../drain/listing'
import { sleepUnlessAborted } from '../abort'
import { formatDuration } from '../duration'
import { errorMessage, InputError } from '../errors'
import { conclude, type ModeContext } from '../outcome'
import { publishStatus } from './sessions'
import { plural, resolveAndReadFlags, turnFlags } from './steps'

export async function runExit(ctx: ModeContext): Promise<void> {
  await resolveAndReadFlags(ctx)
  const { parkingLotBucket, ingestionBucket } = ctx.outcome.resources
  if (parkingLotBucket === ingestionBucket) {
    throw new InputError(
      `The parking lot and the ingestion bucket are both ${parkingLotBucket}: refusing to drain a bucket into itself.`
    )
  }
  const ingestionFlag = ctx.outcome.flags.find((f) => f.role === 'ingestion')
  const wasOn = ingestionFlag !== undefined && ingestionFlag.before !== 'false'
  if (!(await turnFlags(ctx, ['ingestion'], 'false'))) return
  await settle(ctx, wasOn)
  // Stopped during the settle: readers may still park, so move nothing.
  if (ctx.signal.aborted) return

  const drain = await drainInto(
    ctx,
    parkingLotBucket ?? '',
    ingestionBucket ?? ''
  )
  await recount(ctx, parkingLotBucket ?? '', drain)

  if (!(await turnFlags(ctx, ['api', 'frontend'], 'false'))) return
  if (!(await publishStatus(ctx, false))) return
  const problem = drainProblem(drain)
  if (problem) {
    conclude(ctx.outcome, 'error', problem)
    return
  }
  conclude(ctx.outcome, 'pass', passReason(drain, ctx.settings.dryRun))
}

// Animl's readers cache the flag for a while (a warm Lambda container
// keeps its config), so images moved right after the flip would be parked
// again. Nothing to wait for when the flag was already off before this
// run, and nothing is moved in a dry run.
async function settle(ctx: ModeContext, wasOn: boolean): Promise<void> {
  const ms = ctx.settings.drain.settleTimeMs
  if (!wasOn || ctx.settings.dryRun || ms === 0) {
    const why = !wasOn
      ? 'the ingestion flag was not on before this run'
      : ctx.settings.dryRun
        ? 'dry run'
        : 'settle-time is 0'
    core.info(`Settle: no wait (${why})`)
    return
  }
  core.info(
    `Settle: waiting ${formatDuration(ms)} for cached ingestion flags to expire`
  )
  // Woken by a stop: the drain then starts no copy.
  await sleepUnlessAborted(ctx.clock.sleep, ms, ctx.signal)
}

async function drainInto(
  ctx: ModeContext,
  parkingLot: string,
  ingestion: string
): Promise<DrainResult> {
  return core.group('Drain the parking lot', async () => {
    const { drain } = ctx.settings
    const base = process.env.RUNNER_TEMP || tmpdir()
    const spoolDir = await mkdtemp(join(base, 'animl-drain-'))
    const plan = {
      stage: ctx.settings.stage,
      parkingLot,
      ingestion,
      dryRun: ctx.settings.dryRun,
      concurrency: drain.concurrency,
      maxRate: drain.maxRate,
      resumeTimeoutMs: drain.resumeTimeoutMs,
      spoolDir,
      signal: ctx.signal
    }
    const result = emptyDrain(spoolDir)
    ctx.outcome.drain = result
    await drainParkingLot(plan, ctx.aws, result, ctx.clock)
    core.info(
      `Drain done: ${result.moved} moved (${result.bytesMoved} bytes) in ` +
        `${result.seconds.toFixed(1)}s, ${result.failed} failed, ` +
        `${result.bounced.length} bounced, ${result.notResumed} not resumed`
    )
    return result
  })
}

// Says what stays behind: "drained" alone would hide held images.
function passReason(drain: DrainResult, dryRun: boolean): string {
  const held = heldTotal(drain.held)
  const moved = plural(drain.moved, 'image')
  const kept = held > 0 ? `, ${plural(held, 'object')} held (see below)` : ''
  return dryRun
    ? `Dry run: exit would open Animl and move ${moved} back${kept}`
    : `Animl is open: ${moved} moved back into ingestion${kept}`
}

// The listing passes each key once, so an image parked behind it (by a
// reader that still had the flag cached past settle-time) would stay
// there unnoticed. One more listing, after the drain, counts what the
// parking lot holds against what the drain left in it.
async function recount(
  ctx: ModeContext,
  parkingLot: string,
  drain: DrainResult
): Promise<void> {
  if (ctx.settings.dryRun || drain.stopped || ctx.signal.aborted) return
  const held = heldTotal(drain.held)
  const left = held + drain.failed + drain.notResumed + drain.bounced.length
  let found = 0
  try {
    for await (const page of listPages(ctx.aws.s3, parkingLot)) {
      found += page.length
    }
  } catch (error) {
    // The drain itself is done and safe: reopening must not wait on this.
    core.warning(`Could not recount the parking lot: ${errorMessage(error)}`)
    return
  }
  drain.parkedDuring = Math.max(0, found - left)
  core.info(
    `Recount: ${found} objects in the parking lot, ${left} left there by the drain`
  )
}

function drainProblem(drain: DrainResult): string | undefined {
  if (drain.parkedDuring) {
    return `${plural(drain.parkedDuring, 'more object')} than the drain left arrived in the parking lot while it ran: some reader still had the ingestion flag cached past settle-time; run exit again to move them`
  }
  if (drain.bounced.length > 0) {
    return `${plural(drain.bounced.length, 'moved image')} came back into the parking lot: ingestion is still in maintenance (readers cache the flag longer than settle-time); they stay parked, run exit again later`
  }
  if (drain.notResumed > 0) {
    return `${plural(drain.notResumed, 'moved image')} did not leave the ingestion bucket within resume-timeout: ingestion has not resumed; the originals stay parked`
  }
  if (drain.failed > 0) {
    return `${plural(drain.failed, 'object')} could not be moved and stay in the parking lot; run exit again`
  }
  return undefined
}
