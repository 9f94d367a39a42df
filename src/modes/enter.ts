// `enter`: close the doors in order. People first (frontend, api), then
// ingestion, and ingestion only once no zip is still being unpacked, so no
// image of a running batch is ever parked.
import { conclude, type ModeContext } from '../outcome'
import { publishStatus, signOutUsers } from './sessions'
import { checkBatches, inFlight, resolveAndReadFlags, turnFlags } from './steps'

export async function runEnter(ctx: ModeContext): Promise<void> {
  await resolveAndReadFlags(ctx)
  if (!(await turnFlags(ctx, ['frontend', 'api'], 'true'))) return
  // The api flag is in effect now: no session can do work any more, so
  // open tabs may be told, and sessions ended.
  if (!(await publishStatus(ctx, true))) return
  if (!(await signOutUsers(ctx))) return

  const blocking = await checkBatches(ctx)
  if (blocking > 0) {
    conclude(
      ctx.outcome,
      'blocked',
      `${inFlight(ctx)}. Ingestion left open; run enter again later`
    )
    return
  }

  if (!(await turnFlags(ctx, ['ingestion'], 'true'))) return
  const done = ctx.settings.dryRun
    ? 'Dry run: nothing in flight; enter would put Animl in maintenance'
    : 'Animl is in maintenance'
  conclude(ctx.outcome, 'pass', done)
}
