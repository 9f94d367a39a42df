// Steps that more than one mode takes, each in its own log group.
import * as core from '@actions/core'
import { checkInFlight } from '../check'
import { readFlags, setFlags } from '../flags'
import { logWindow, maintenanceWindow } from '../maintenance-window'
import { conclude, type ModeContext } from '../outcome'
import { awaitInEffect, notInEffect } from '../probe'
import { resolveResources } from '../resources'
import { refuseMixedStages } from '../stages'
import type { FlagRole } from '../settings'

export async function resolveAndReadFlags(ctx: ModeContext): Promise<void> {
  await core.group('Resolve resources', async () => {
    ctx.outcome.resources = await resolveResources(ctx.settings, ctx.aws)
    refuseMixedStages(ctx.settings, ctx.outcome.resources)
  })
  await core.group('Read flags', async () => {
    ctx.outcome.flags = await readFlags(ctx.settings.flags, ctx.aws)
    const now = ctx.clock.now()
    const max = ctx.settings.maxMaintenanceMs
    ctx.outcome.window = maintenanceWindow(ctx.outcome.flags, now, max)
    logWindow(ctx.outcome.window, now)
  })
}

/**
 * Sets flags in order, and after each waits until its probe shows it in
 * effect before the next one; false (and an error verdict naming the flag)
 * if a write failed or a flag never took effect.
 */
export async function turnFlags(
  ctx: ModeContext,
  roles: readonly FlagRole[],
  value: 'true' | 'false'
): Promise<boolean> {
  const title = `Turn ${roles.join(' and ')} ${value === 'true' ? 'on' : 'off'}`
  return core.group(title, async () => {
    const { settings, aws, outcome } = ctx
    for (const role of roles) {
      // After SIGINT/SIGTERM or the timeout no flag is written: in
      // particular enter never turns ingestion on after a stop.
      if (ctx.signal.aborted) {
        core.info(
          `Not turning ${role} ${value === 'true' ? 'on' : 'off'}: the run was stopped`
        )
        return false
      }
      const result = await setFlags(
        outcome.flags,
        [role],
        value,
        aws,
        settings.dryRun
      )
      if (result.error) {
        conclude(outcome, 'error', result.error)
        return false
      }
      if (!(await barrier(ctx, role, value))) return false
    }
    return true
  })
}

// Probed whether or not this run wrote the flag: a flag written by an
// earlier run that stopped part-way must be in effect all the same.
async function barrier(
  ctx: ModeContext,
  role: FlagRole,
  value: 'true' | 'false'
): Promise<boolean> {
  const { settings, outcome } = ctx
  const flag = outcome.flags.find((candidate) => candidate.role === role)
  if (!flag) return true
  const plan = {
    timeoutMs: settings.probeTimeoutMs,
    intervalMs: settings.pollIntervalMs,
    dryRun: settings.dryRun
  }
  const spec = settings.probes[role]
  flag.probe = await awaitInEffect(
    role,
    spec,
    value,
    plan,
    ctx.clock,
    ctx.signal
  )
  if (flag.probe.status !== 'failed') return true
  // Stopped while waiting: not a flag that failed to take effect.
  if (ctx.signal.aborted) return false
  const message = notInEffect(
    role,
    flag.name,
    value,
    flag.probe,
    plan.timeoutMs
  )
  conclude(outcome, 'error', message)
  return false
}

/** Runs the in-flight check; returns the number of blocking entries. */
export async function checkBatches(ctx: ModeContext): Promise<number> {
  return core.group('Check batches in flight', async () => {
    const result = await checkInFlight(
      ctx.settings,
      ctx.outcome.resources,
      ctx.aws,
      ctx.clock,
      ctx.signal
    )
    ctx.outcome.findings = result.findings
    ctx.outcome.checkedAt = result.checkedAt
    ctx.outcome.rounds = result.rounds
    for (const f of result.findings) {
      core.info(`${f.id}: ${f.status} (${f.phase}; ${f.reason})`)
    }
    return result.blocking
  })
}

/** `3 in flight: 2 batches, 1 Batch job without a batch record`. */
export function inFlight(ctx: ModeContext): string {
  const blocking = ctx.outcome.findings.filter((f) => f.status === 'blocking')
  const jobs = blocking.filter((f) => f.phase === 'unknown').length
  const batches = blocking.length - jobs
  const parts = [
    batches > 0 ? plural(batches, 'batch', 'batches') : '',
    jobs > 0 ? `${plural(jobs, 'Batch job')} without a batch record` : ''
  ]
  return `${blocking.length} still in flight: ${parts.filter(Boolean).join(', ')}`
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}
