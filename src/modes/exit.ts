// `exit`: open the doors in reverse. Ingestion first, then the parked
// images go back in, then the api and the frontend.
import * as core from '@actions/core'
import { drainParkingLot, emptyDrain } from '../drain'
import { InputError } from '../errors'
import { conclude, type ModeContext } from '../outcome'
import { plural, resolveAndReadFlags, turnFlags } from './steps'

// Each parked image fires ingest-image again, whose reserved concurrency
// is 100: stay well below it.
const DRAIN_CONCURRENCY = 16

export async function runExit(ctx: ModeContext): Promise<void> {
  await resolveAndReadFlags(ctx)
  const { parkingLotBucket, ingestionBucket } = ctx.outcome.resources
  if (parkingLotBucket === ingestionBucket) {
    throw new InputError(
      `The parking lot and the ingestion bucket are both ${parkingLotBucket}: refusing to drain a bucket into itself.`
    )
  }
  if (!(await turnFlags(ctx, ['ingestion'], 'false'))) return

  await drain(ctx, parkingLotBucket ?? '', ingestionBucket ?? '')

  if (!(await turnFlags(ctx, ['api', 'frontend'], 'false'))) return
  const failed = ctx.outcome.drain?.failed.length ?? 0
  if (failed > 0) {
    conclude(
      ctx.outcome,
      'error',
      `${plural(failed, 'object')} could not be moved and stay in the parking lot; run exit again`
    )
    return
  }
  conclude(ctx.outcome, 'pass', 'Animl is open and the parking lot is drained')
}

async function drain(ctx: ModeContext, parkingLot: string, ingestion: string) {
  await core.group('Drain the parking lot', async () => {
    const plan = {
      stage: ctx.settings.stage,
      parkingLot,
      ingestion,
      dryRun: ctx.settings.dryRun,
      concurrency: DRAIN_CONCURRENCY
    }
    ctx.outcome.drain = emptyDrain()
    await drainParkingLot(plan, ctx.aws, ctx.outcome.drain)
  })
}
