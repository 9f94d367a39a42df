// `check`: fail the job while any batch is still in flight.
import { conclude, type ModeContext } from '../outcome'
import { checkBatches, inFlight, resolveAndReadFlags } from './steps'

export async function runCheck(ctx: ModeContext): Promise<void> {
  await resolveAndReadFlags(ctx)
  const blocking = await checkBatches(ctx)
  if (blocking > 0) {
    conclude(ctx.outcome, 'blocked', inFlight(ctx))
  } else {
    conclude(ctx.outcome, 'pass', 'Nothing is in flight')
  }
}
