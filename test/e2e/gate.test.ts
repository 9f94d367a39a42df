// The gate's rules end to end: the built action against the sandbox.
import { createHash } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { objectContent, type Sandbox } from '../../sandbox/sandbox'
import type { Scenario } from '../../sandbox/scenario'
import { run, scenario, withSandbox } from './harness'

const FLAGS = {
  frontend: '/frontend/maintenance-mode-prod',
  api: '/api/maintenance-mode-prod',
  ingestion: '/images/maintenance-mode-prod'
}
const LOT = 'animl-images-parkinglot-prod'
const WAITING_BATCH = 'batch-0f3ebdd3-102b-438b-8743-feb6d4ea65d0'

function puts(sandbox: Sandbox): string[] {
  return sandbox.aws.calls
    .filter((c) => c.operation === 'PutParameter')
    .map((c) => (c.input as { Name: string }).Name)
}

/** before-deploy with every batch but one finished and one job running. */
function oneInFlight(): Scenario {
  const base = scenario('before-deploy')
  const batches = (base.mongo.batches ?? []).filter(
    (b) => (b as { _id: string })._id === WAITING_BATCH
  )
  const jobs = base.batchJobs.filter(
    (j) => (j.task as { Key?: string } | null)?.Key === `${WAITING_BATCH}.zip`
  )
  return { ...base, mongo: { batches, batcherrors: [] }, batchJobs: jobs }
}

function nothingInFlight(): Scenario {
  return {
    ...oneInFlight(),
    mongo: { batches: [], batcherrors: [] },
    batchJobs: []
  }
}

function finishWaitingBatch(sandbox: Sandbox): void {
  const doc = sandbox.mongo.collections.batches?.find(
    (b) => b._id === WAITING_BATCH
  )
  if (doc) doc.processingEnd = new Date()
  for (const job of sandbox.aws.batchJobs) job.status = 'SUCCEEDED'
}

describe('enter', () => {
  it('turns frontend then api on, and leaves ingestion open while a batch blocks', async () => {
    await withSandbox(scenario('before-deploy'), async (sandbox) => {
      const result = await run(sandbox, 'enter')
      expect(puts(sandbox)).toEqual([FLAGS.frontend, FLAGS.api])
      expect(result.state.ssm[FLAGS.ingestion]).toBe('false')
      expect(result.report?.reason).toMatch(
        /Ingestion left open; run enter again/
      )
      expect(result.summary).toContain('⛔ Blocked')
    })
  })

  it('closes ingestion last, after the check, when nothing blocks', async () => {
    await withSandbox(nothingInFlight(), async (sandbox) => {
      const result = await run(sandbox, 'enter')
      expect(result.exitCode).toBe(0)
      expect(puts(sandbox)).toEqual([
        FLAGS.frontend,
        FLAGS.api,
        FLAGS.ingestion
      ])
      const ops = sandbox.aws.calls.map((c) => c.operation)
      expect(ops.lastIndexOf('ListJobs')).toBeLessThan(
        ops.lastIndexOf('PutParameter')
      )
      expect(result.report?.flags.every((f) => f.after === 'true')).toBe(true)
    })
  })

  it('does not rewrite flags that are already on', async () => {
    const on = nothingInFlight()
    for (const name of Object.values(FLAGS))
      on.ssm[name] = { type: 'String', value: 'true' }
    await withSandbox(on, async (sandbox) => {
      const result = await run(sandbox, 'enter')
      expect(result.exitCode).toBe(0)
      expect(puts(sandbox)).toEqual([])
    })
  })

  it('says exactly which flags changed when a write fails part-way', async () => {
    await withSandbox(nothingInFlight(), async (sandbox) => {
      sandbox.aws.failing.add(`ssm:PutParameter:${FLAGS.api}`)
      const result = await run(sandbox, 'enter')
      expect(result.exitCode).toBe(1)
      expect(result.report?.verdict).toBe('error')
      expect(result.report?.reason).toContain(
        `Could not set flag api (${FLAGS.api})`
      )
      const flags = Object.fromEntries(
        (result.report?.flags ?? []).map((f) => [f.name, [f.before, f.after]])
      )
      expect(flags).toEqual({
        [FLAGS.frontend]: ['false', 'true'],
        [FLAGS.api]: ['false', 'false'],
        [FLAGS.ingestion]: ['false', 'false']
      })
      expect(result.state.ssm[FLAGS.ingestion]).toBe('false')
      expect(result.summary).toMatch(
        /Frontend .* `false` \| `true` \| \*\*turned on/
      )
    })
  })

  it('waits for a batch in flight and then closes ingestion', async () => {
    await withSandbox(oneInFlight(), async (sandbox) => {
      const running = run(sandbox, 'enter', {
        'wait-timeout': '60s',
        'poll-interval': '1s'
      })
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      finishWaitingBatch(sandbox)
      const result = await running
      expect(result.exitCode).toBe(0)
      expect(result.state.ssm[FLAGS.ingestion]).toBe('true')
      const rounds = result.stdout
        .split('\n')
        .filter((l) => /^Round \d+:/.test(l))
      expect(rounds.length).toBeGreaterThanOrEqual(2)
      expect(rounds.at(0)).toMatch(/1 blocking \(batch-0f3ebdd3/)
      expect(rounds.at(-1)).toMatch(/nothing in flight/)
    })
  })

  it('gives up when the wait runs out, with one log line per round', async () => {
    await withSandbox(oneInFlight(), async (sandbox) => {
      const result = await run(sandbox, 'enter', {
        'wait-timeout': '3s',
        'poll-interval': '1s'
      })
      expect(result.exitCode).toBe(1)
      expect(result.report?.verdict).toBe('blocked')
      const rounds = result.stdout
        .split('\n')
        .filter((l) => /^Round \d+:/.test(l))
      expect(rounds.length).toBeGreaterThanOrEqual(3)
      expect(rounds.at(-1)).toMatch(/no time left/)
      expect(result.state.ssm[FLAGS.ingestion]).toBe('false')
    })
  })

  it('writes nothing in a dry run and says what would change', async () => {
    await withSandbox(nothingInFlight(), async (sandbox) => {
      const result = await run(sandbox, 'enter', { 'dry-run': 'true' })
      expect(result.exitCode).toBe(0)
      expect(puts(sandbox)).toEqual([])
      expect(result.report?.dryRun).toBe(true)
      expect(
        result.report?.flags.map(
          (f) => (f as { wouldBecome?: string }).wouldBecome
        )
      ).toEqual(['true', 'true', 'true'])
      expect(result.summary).toContain('would be turned on (dry run)')
    })
  })
})

describe('fails closed when a source cannot be read', () => {
  it('MongoDB down: check fails naming it, and enter leaves ingestion open', async () => {
    await withSandbox(nothingInFlight(), async (sandbox) => {
      sandbox.mongo.down = true
      const check = await run(sandbox, 'check')
      expect(check.exitCode).toBe(1)
      expect(check.report?.verdict).toBe('error')
      expect(check.report?.reason).toMatch(/mongodb/)
      const enter = await run(sandbox, 'enter')
      expect(enter.exitCode).toBe(1)
      expect(enter.state.ssm[FLAGS.ingestion]).toBe('false')
    })
  })

  it.each([
    ['batch:ListJobs', /\(batch\)/],
    ['ssm:GetParameters', /\(ssm\)/]
  ])('%s failing makes check fail naming the source', async (rule, source) => {
    await withSandbox(nothingInFlight(), async (sandbox) => {
      sandbox.aws.failing.add(rule)
      const result = await run(sandbox, 'check')
      expect(result.exitCode).toBe(1)
      expect(result.report?.verdict).toBe('error')
      expect(result.report?.reason).toMatch(source)
    })
  })
})

describe('exit', () => {
  it('moves odd keys byte-identical, with content type and metadata', async () => {
    await withSandbox(scenario('after-deploy'), async (sandbox) => {
      const key = 'odd/ü + #1 %20 ?.JPG'
      await sandbox.s3.send(
        new PutObjectCommand({
          Bucket: LOT,
          Key: key,
          Body: objectContent(key, 1234),
          ContentType: 'image/jpeg',
          Metadata: { camera: 'ridge-4' }
        })
      )
      const result = await run(sandbox, 'exit', { 'settle-time': '0s' })
      expect(result.exitCode).toBe(0)
      const objects = sandbox.scenario.buckets[LOT] ?? []
      const moved = new Set(result.report?.drain?.moved.map((m) => m.key))
      expect(moved.has(key)).toBe(true)
      for (const object of [
        ...objects,
        { key, size: 1234, contentType: 'image/jpeg' }
      ]) {
        if (!moved.has(object.key)) continue
        // What ingest-image read from the ingestion bucket.
        const copy = sandbox.ingest.ingested.get(object.key)
        const md5 = createHash('md5')
          .update(objectContent(object.key, object.size))
          .digest('hex')
        expect(copy?.md5, object.key).toBe(md5)
        expect(copy?.contentType, object.key).toBe(object.contentType)
        if (object.key === key)
          expect(copy?.metadata).toEqual({ camera: 'ridge-4' })
      }
    })
  })

  it('leaves every object in the parking lot when copies fail, and fails after trying all', async () => {
    await withSandbox(scenario('after-deploy'), async (sandbox) => {
      const before = await sandbox.state()
      const result = await run(sandbox, 'exit', {
        'ingestion-bucket': 'animl-images-missing-prod',
        'settle-time': '0s'
      })
      expect(result.exitCode).toBe(1)
      expect(result.report?.verdict).toBe('error')
      expect(result.report?.drain?.failed).toHaveLength(30)
      expect(result.report?.drain?.moved).toHaveLength(0)
      expect(result.state.buckets[LOT]).toEqual(before.buckets[LOT])
      expect(result.report?.reason).toMatch(/30 objects could not be moved/)
    })
  })

  it('refuses to drain a bucket into itself', async () => {
    await withSandbox(scenario('after-deploy'), async (sandbox) => {
      const result = await run(sandbox, 'exit', { 'ingestion-bucket': LOT })
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(
        /refusing to drain a bucket into itself/
      )
      expect(puts(sandbox)).toEqual([])
    })
  })

  it('moves nothing in a dry run but lists what it would move', async () => {
    await withSandbox(scenario('after-deploy'), async (sandbox) => {
      const before = await sandbox.state()
      const result = await run(sandbox, 'exit', { 'dry-run': 'true' })
      expect(result.exitCode).toBe(0)
      expect(result.state).toEqual(before)
      expect(result.report?.drain?.moved).toHaveLength(30)
      expect(result.summary).toContain('would move')
    })
  })
})

describe('inputs', () => {
  it('uses a given MongoDB URI and report path instead of reading SSM', async () => {
    await withSandbox(nothingInFlight(), async (sandbox) => {
      const result = await run(sandbox, 'check', {
        'mongodb-uri': sandbox.mongoUri,
        'report-path': `${process.env.TMPDIR ?? '/tmp'}/gate-report-${process.pid}.json`
      })
      expect(result.exitCode).toBe(0)
      expect(result.outputs.report).toBe(
        `${process.env.TMPDIR ?? '/tmp'}/gate-report-${process.pid}.json`
      )
      const names = sandbox.aws.calls.flatMap(
        (c) => (c.input as { Names?: string[] }).Names ?? []
      )
      expect(names).not.toContain('/db/mongo-db-url-prod')
    })
  })
})
