// npm run demo: a busy day on one sandbox. check finds a zip still
// unzipping; enter waits while that batch finishes (we finish it here, in
// the background); images arrive in the parking lot during maintenance;
// exit reopens and drains it. Files go under out/demo/<mode>/.
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { readScenario, type ScenarioObject } from '../sandbox/scenario'
import { startSandbox, writeObjects, type Sandbox } from '../sandbox/sandbox'
import {
  REPO_ROOT,
  runAction,
  type RunActionResult
} from '../sandbox/run-action'

const IN_FLIGHT = 'batch-7c1e4b2a-5d3f-4e8a-9b6c-1a2b3c4d5e6f' // unzipping
const STALLED = 'batch-4d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a' // queue still up
const IN_FLIGHT_JOB = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d'
const OUT = join(REPO_ROOT, 'out', 'demo')
const FLAGS = ['frontend', 'api', 'images'].map(
  (p) => `/${p}/maintenance-mode-prod`
)

const jpeg = (key: string, size = 180_000): ScenarioObject => ({
  key,
  size,
  contentType: 'image/jpeg'
})
// What ingest-image parks while the ingestion flag is on.
const CAMERA = [
  'RCNX0107.JPG',
  'p_014_2026-11-22_08-41-10.jpg',
  'IMG 0032.JPG',
  'cam+2_photo#7.jpg',
  '50%_crop.JPG',
  'why?.jpeg',
  'Ölberg Süd 03.JPG',
  'トレイル01.jpg'
]
const STALLED_IMAGES = [1, 2, 3].map(
  (n) => `${STALLED}/ridge 7/DCIM/IMG_010${n}.JPG`
)
const ORPHANED = `${IN_FLIGHT}/site 3/DCIM/IMG_0415.JPG` // its queue is gone
const HELD = [ORPHANED, 'notes.txt', 'site 12/']
const PARKED: ScenarioObject[] = [
  ...CAMERA.map((k) => jpeg(k)),
  ...STALLED_IMAGES.map((k) => jpeg(k)),
  jpeg(ORPHANED),
  { key: 'notes.txt', size: 240, contentType: 'text/plain' },
  { key: 'site 12/', size: 0, contentType: 'application/x-directory' }
]

// What the platform does on its own while the gate waits: the zip job
// writes its last image, the alarm tears the batch stack down.
function finishInFlightBatch(box: Sandbox): void {
  const batch = box.mongo.collections.batches?.find((b) => b._id === IN_FLIGHT)
  if (!batch) throw new Error(`demo: ${IN_FLIGHT} is not in the scenario`)
  batch.ingestionComplete = new Date(Date.now() - 1_000)
  batch.processingEnd = new Date()
  const job = box.aws.batchJobs.find((j) => j.jobId === IN_FLIGHT_JOB)
  if (job) job.status = 'SUCCEEDED'
  const region = box.scenario.region
  box.fauxqs.deleteQueue(`animl-ingest-prod-${IN_FLIGHT}`, { region })
  box.fauxqs.deleteQueue(`animl-ingest-prod-${IN_FLIGHT}-dlq`, { region })
  console.log(`\n[demo] ${IN_FLIGHT} finished; its queue is deleted`)
}

async function mode(
  box: Sandbox,
  name: string,
  actionDir: string,
  inputs: Record<string, string> = {}
): Promise<RunActionResult> {
  const r = await runAction({
    sandbox: box,
    mode: name,
    inputs,
    outDir: join(OUT, name),
    actionDir
  })
  const verdict = r.outputs.verdict ?? '(none)'
  console.log(`\n${'='.repeat(72)}\n${name.toUpperCase()}: verdict ${verdict}`)
  console.log(`exit code ${r.exitCode}, files in ${join(OUT, name)}`)
  console.log('='.repeat(72))
  console.log(r.summary.trim() || '(no step summary; see log.txt)')
  return r
}

async function main(): Promise<boolean> {
  const { values } = parseArgs({
    options: {
      'action-dir': { type: 'string' },
      // The test suite shortens the wait; the demo shows the real one.
      'settle-time': { type: 'string' }
    }
  })
  const actionDir = resolve(values['action-dir'] ?? REPO_ROOT)
  await rm(OUT, { recursive: true, force: true })
  const box = await startSandbox(
    readScenario(join(REPO_ROOT, 'scenarios', 'busy-day.json'))
  )
  try {
    const parkingLot = box.scenario.ssm['/images/parkinglot-bucket-prod']!.value
    const ingestion = box.scenario.ssm['/images/ingestion-bucket-prod']!.value
    const check = await mode(box, 'check', actionDir)
    // enter polls every 2 s; the batch finishes 5 s in.
    const finishing = sleep(5_000).then(() => finishInFlightBatch(box))
    const enter = await mode(box, 'enter', actionDir, {
      'wait-timeout': '30s',
      'poll-interval': '2s'
    })
    await finishing
    await writeObjects(box.s3, parkingLot, PARKED)
    console.log(`\n[demo] ${PARKED.length} images parked in ${parkingLot}`)
    const settle = values['settle-time']
    console.log(
      `[demo] exit waits settle-time (${settle ?? '60s, the default'}) ` +
        'after turning ingestion on again, so no cached flag parks the images'
    )
    const exit = await mode(
      box,
      'exit',
      actionDir,
      settle ? { 'settle-time': settle } : {}
    )
    const held = exit.state.buckets[parkingLot] ?? []
    // ingest-image (played by the sandbox) takes each moved image out of
    // the ingestion bucket: a moved key is still there or ingested.
    const landed = new Set([
      ...(exit.state.buckets[ingestion] ?? []),
      ...exit.state.ingested
    ])
    const moved = PARKED.filter((o) => landed.has(o.key)).length
    const problems = [
      check.outputs.verdict !== 'blocked' && 'check did not block',
      enter.outputs.verdict !== 'pass' && 'enter did not pass',
      !flagsAre(enter, 'true') && 'enter left a flag off',
      !flagsAre(exit, 'false') && 'exit left a flag on',
      !sameSet(held, HELD) && `exit held ${held.length}, not ${HELD.length}`,
      moved !== PARKED.length - HELD.length && `exit moved only ${moved}`
    ].filter((p): p is string => typeof p === 'string')
    const ok = problems.length === 0
    console.log(
      `\ndemo ${ok ? 'OK' : 'FAILED'}: check ${check.outputs.verdict}, ` +
        `enter ${enter.outputs.verdict}, exit moved ${moved} and held ` +
        `${held.length}` +
        (ok ? '' : ` (${problems.join('; ')})`)
    )
    return ok
  } finally {
    await box.stop()
  }
}

function flagsAre(r: RunActionResult, value: string): boolean {
  return FLAGS.every((f) => r.state.ssm[f] === value)
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && b.every((x) => a.includes(x))
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (e: unknown) => {
    console.error(`demo: ${e instanceof Error ? e.message : String(e)}`)
    process.exit(2)
  }
)
