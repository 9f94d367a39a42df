// Steps for the people already inside: the status object an open tab
// polls, and (optionally) signing every user out. Both are off unless
// their inputs are given.
import * as core from '@actions/core'
import { conclude, type ModeContext } from '../outcome'
import { createCognito, signEveryoneOut } from '../sign-out'
import { statusBody, writeStatusObject } from '../status-object'

/** Writes the maintenance state; false (and an error verdict) if it failed. */
export async function publishStatus(
  ctx: ModeContext,
  maintenance: boolean
): Promise<boolean> {
  const chosen = ctx.settings.statusObject
  if (!chosen) return true
  return core.group('Write the status object', async () => {
    const now = ctx.clock.now()
    // A re-run of enter keeps the time maintenance really began.
    const window = ctx.outcome.window
    const since = maintenance && window?.on && window.since ? window.since : now
    const body = statusBody(chosen, maintenance, since, now)
    const result = await writeStatusObject(
      chosen,
      body,
      ctx.aws,
      ctx.settings.dryRun
    )
    ctx.outcome.statusObject = result
    if (result.error) conclude(ctx.outcome, 'error', result.error)
    return !result.error
  })
}

/**
 * Signs every user of the pool out. Failures for single users are counted
 * and warned about (the api flag already refuses their work); a pool that
 * cannot be listed fails the step.
 */
export async function signOutUsers(ctx: ModeContext): Promise<boolean> {
  const chosen = ctx.settings.signOut
  if (!chosen) return true
  return core.group('Sign every user out', async () => {
    const cognito = await createCognito(ctx.settings.region)
    try {
      const result = await signEveryoneOut(
        chosen,
        cognito,
        ctx.clock,
        ctx.settings.dryRun,
        ctx.signal
      )
      ctx.outcome.signOut = result
      if (result.failed > 0) {
        core.warning(
          `${result.failed} of ${result.users} users could not be signed out: ${result.errors[0] ?? ''}`
        )
      }
      if (result.error) conclude(ctx.outcome, 'error', result.error)
      return !result.error
    } finally {
      cognito.destroy()
    }
  })
}
