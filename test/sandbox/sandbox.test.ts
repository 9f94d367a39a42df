import { createHash } from 'node:crypto'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command
} from '@aws-sdk/client-s3'
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand
} from '@aws-sdk/client-sqs'
import { MongoClient } from 'mongodb'
import {
  MIN_PART_SIZE,
  readScenario,
  shiftScenario,
  validateScenario,
  type Scenario
} from '../../sandbox/scenario'
import {
  objectContent,
  startSandbox,
  type Sandbox
} from '../../sandbox/sandbox'
import {
  actionEnv,
  parseActionInputs,
  parseGithubOutput,
  readActionInputs,
  REPO_ROOT,
  runAction
} from '../../sandbox/run-action'

const DIR = join(import.meta.dirname, '..', '..', 'scenarios')
const FILES = readdirSync(DIR).filter(
  (f) => f.endsWith('.json') && !f.endsWith('.expected.json')
)
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
const ms = (iso: string) => Date.parse(iso)

describe.each(FILES)('loading scenarios/%s', (file) => {
  const raw = readScenario(join(DIR, file))
  let box: Sandbox
  let mongo: MongoClient
  let loadMs = 0
  beforeAll(async () => {
    const t = Date.now()
    box = await startSandbox(raw)
    loadMs = Date.now() - t
    mongo = new MongoClient(box.mongoUri, { serverSelectionTimeoutMS: 5000 })
  })
  afterAll(async () => {
    await mongo?.close()
    await box?.stop()
  })

  it('loads in a few seconds', () => {
    console.log(`${file}: loaded in ${loadMs} ms`)
    expect(loadMs).toBeLessThan(10_000)
  })

  it('holds the SSM parameters with placeholders replaced', async () => {
    const { ssm } = await box.state()
    expect(Object.keys(ssm).sort()).toEqual(Object.keys(raw.ssm).sort())
    for (const [name, p] of Object.entries(raw.ssm)) {
      const want = p.value
        .replaceAll('{{mongodb-uri}}', box.mongoUri)
        .replaceAll('{{mongodb-host}}', box.mongo.hostPort)
      expect(ssm[name]).toBe(want)
      expect(ssm[name]).not.toContain('{{')
      expect(box.aws.ssm.get(name)?.type).toBe(p.type)
    }
    expect(box.mongoUri).toBe(`mongodb://${box.mongo.hostPort}/animl`)
  })

  it('stores every object under its exact key, size and type', async () => {
    const { buckets } = await box.state()
    expect(Object.keys(buckets).sort()).toEqual(Object.keys(raw.buckets).sort())
    for (const [bucket, objects] of Object.entries(raw.buckets)) {
      expect(buckets[bucket]).toEqual(objects.map((o) => o.key).sort())
      for (const o of objects) {
        const head = await box.s3.send(
          new HeadObjectCommand({ Bucket: bucket, Key: o.key })
        )
        expect(head.ContentLength).toBe(o.size)
        expect(head.ContentType).toBe(o.contentType)
        const body = objectContent(o.key, o.size)
        const etag = o.multipart
          ? multipartEtag(body)
          : `"${md5(objectContent(o.key, o.size))}"`
        expect(head.ETag).toBe(etag)
      }
    }
  })

  it('makes the queue counts real', async () => {
    for (const q of raw.queues) {
      const { QueueUrl } = await box.sqs.send(
        new GetQueueUrlCommand({ QueueName: q.name })
      )
      const { Attributes: a } = await box.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })
      )
      expect(Number(a?.ApproximateNumberOfMessages)).toBe(q.visible)
      expect(Number(a?.ApproximateNumberOfMessagesNotVisible)).toBe(q.inFlight)
    }
  })

  it('serves the shifted documents through the mongodb driver', async () => {
    const db = mongo.db('animl')
    const delta = ms(box.scenario.now) - ms(raw.now)
    for (const [name, docs] of Object.entries(raw.mongo)) {
      const got = await db.collection(name).find({}).toArray()
      expect(got.map((d) => d._id).sort()).toEqual(
        docs.map((d) => d._id).sort()
      )
      for (const doc of docs) {
        const served = got.find((g) => g._id === doc._id)!
        for (const [field, value] of Object.entries(doc)) {
          if (value === null) expect(served[field]).toBeNull()
          else if (isEjsonDate(value)) {
            expect(served[field]).toBeInstanceOf(Date)
            // The age at the shifted now equals the age at the scenario's now.
            expect(served[field].getTime() - delta).toBe(ms(value.$date))
          } else expect(served[field]).toEqual(value)
        }
      }
    }
  })

  it('shifts Batch job dates and keeps their ages', () => {
    const now = ms(box.scenario.now)
    expect(Math.abs(now - Date.now())).toBeLessThan(60_000)
    raw.batchJobs.forEach((j, i) => {
      const held = box.aws.batchJobs[i]!
      expect({ ...held, createdAt: '' }).toEqual({ ...j, createdAt: '' })
      expect(now - ms(held.createdAt)).toBe(ms(raw.now) - ms(j.createdAt))
    })
  })
})

function multipartEtag(body: Buffer): string {
  const parts = [body.subarray(0, MIN_PART_SIZE), body.subarray(MIN_PART_SIZE)]
  const digests = Buffer.concat(
    parts.map((p) => createHash('md5').update(p).digest())
  )
  return `"${md5(digests)}-2"`
}

function isEjsonDate(v: unknown): v is { $date: string } {
  return typeof v === 'object' && v !== null && '$date' in v
}

// Raw S3 keys as cameras and relays produce them, and more than one page.
const AWKWARD = [
  'IMG 0001.JPG',
  'cam+1_photo#2.jpg',
  '100%_zoom.png',
  '50%25 literally.jpg',
  'what?.jpeg',
  'a&b=c;d.jpg',
  'Café Trail Cam ü.JPG',
  'トレイル/カメラ 1.jpg',
  'emoji 🦊.jpg',
  'site 12/',
  'double//slash.jpg',
  'tilde~and*star.jpg',
  'quote\'d "name".jpg',
  'batch-0b6f2d4e-1c1a-4f6e-9a57-2f0d8f1f0c11/site 12/DCIM/IMG_0001.JPG'
]

describe('a synthetic scenario', () => {
  const keys = [
    ...AWKWARD,
    ...Array.from({ length: 1200 }, (_, i) => `bulk/${i}.jpg`)
  ]
  const raw: Scenario = {
    description: 'awkward keys, many objects',
    now: '2020-01-01T00:00:00.000Z',
    stage: 'dev',
    region: 'us-west-2',
    ssm: {
      '/x': {
        type: 'String',
        value: 'host={{mongodb-host}} uri={{mongodb-uri}}'
      }
    },
    mongo: {},
    batchJobs: [],
    queues: [],
    buckets: {
      lot: keys.map((key) => ({ key, size: 64, contentType: 'image/jpeg' })),
      ingest: []
    }
  }
  let box: Sandbox
  beforeAll(async () => {
    box = await startSandbox(raw)
  })
  afterAll(() => box?.stop())

  it('keeps keys byte-identical and lists past 1,000', async () => {
    const { buckets, ssm } = await box.state()
    expect(buckets.lot).toEqual([...keys].sort())
    const h = box.mongo.hostPort
    expect(ssm['/x']).toBe(`host=${h} uri=mongodb://${h}/animl`)
  })

  it('lists pages in S3 byte order, as the gate will see them', async () => {
    const seen: string[] = []
    let token: string | undefined
    do {
      const page = await box.s3.send(
        new ListObjectsV2Command({
          Bucket: 'lot',
          MaxKeys: 300,
          ContinuationToken: token
        })
      )
      seen.push(...(page.Contents ?? []).map((o) => o.Key!))
      token = page.NextContinuationToken
    } while (token)
    const bytes = (k: string) => Buffer.from(k)
    expect(seen).toEqual(
      [...keys].sort((a, b) => Buffer.compare(bytes(a), bytes(b)))
    )
  })

  it('copies awkward keys when CopySource encodes each segment', async () => {
    for (const key of AWKWARD) {
      const source = ['lot', ...key.split('/')].map(encodeURIComponent)
      await box.s3.send(
        new CopyObjectCommand({
          Bucket: 'ingest',
          Key: key,
          CopySource: source.join('/')
        })
      )
    }
    const { buckets } = await box.state()
    expect(buckets.ingest).toEqual([...AWKWARD].sort())
  })

  it('writes content derived from the key', async () => {
    const key = 'cam+1_photo#2.jpg'
    const got = await box.s3.send(
      new GetObjectCommand({ Bucket: 'lot', Key: key })
    )
    const bytes = Buffer.from(await got.Body!.transformToByteArray())
    expect(bytes.equals(objectContent(key, 64))).toBe(true)
  })
})

describe('shiftScenario', () => {
  const raw = readScenario(join(DIR, 'before-deploy.json'))
  it('moves every date by the same amount and leaves the rest', () => {
    const before = JSON.stringify(raw)
    const now = new Date('2031-05-05T12:00:00.000Z')
    const s = shiftScenario(raw, now)
    expect(JSON.stringify(raw)).toBe(before) // the input is untouched
    expect(s.now).toBe(now.toISOString())
    const delta = now.getTime() - ms(raw.now)
    const created = s.mongo.batches![0]!.created as Date
    expect(created.getTime()).toBe(
      ms((raw.mongo.batches![0]!.created as { $date: string }).$date) + delta
    )
    expect(s.mongo.batches![0]!.projectId).toBe('island_fox')
    expect(ms(s.batchJobs[0]!.createdAt)).toBe(
      ms(raw.batchJobs[0]!.createdAt) + delta
    )
    expect(s.ssm).toEqual(raw.ssm)
  })
})

describe('readScenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scenario-'))
  const write = (name: string, v: unknown) => {
    const path = join(dir, name)
    writeFileSync(path, typeof v === 'string' ? v : JSON.stringify(v))
    return path
  }
  const good = JSON.parse(readFileSync(join(DIR, 'after-deploy.json'), 'utf8'))

  it('names the file and the field that is wrong', () => {
    expect(() => readScenario(write('a.json', '{ nope'))).toThrow(
      /a\.json: cannot read/
    )
    const cases: [unknown, RegExp][] = [
      [{ ...good, now: 'soon' }, /now: not an ISO date/],
      [{ ...good, stage: 'Prod' }, /stage: expected \[a-z0-9-\]\+/],
      [
        { ...good, queues: [{ name: 'q', visible: -1, inFlight: 0 }] },
        /queues\[0\]\.visible/
      ],
      [
        { ...good, batchJobs: [{ ...good.batchJobs[0], status: 'DONE' }] },
        /batchJobs\[0\]/
      ],
      [
        { ...good, ssm: { '/a': { type: 'Secret', value: '' } } },
        /ssm\["\/a"\]\.type/
      ],
      [
        {
          ...good,
          buckets: {
            b: [
              { key: 'k', size: 10, contentType: 'image/jpeg', multipart: true }
            ]
          }
        },
        /more than 5 MiB/
      ],
      [
        {
          ...good,
          buckets: { b: [{ key: 'k', size: 1, contentType: 'jpeg' }] }
        },
        /contentType: expected a MIME type/
      ],
      [
        {
          ...good,
          sandbox: { faults: { seed: 1, rules: [{ service: 'sns' }] } }
        },
        /rules\[0\]\.service/
      ]
    ]
    for (const [bad, message] of cases)
      expect(() => validateScenario(bad, 'b.json')).toThrow(message)
  })

  it('accepts the optional sandbox section', () => {
    const sandbox = {
      ingestFlagCacheSeconds: 30,
      faults: {
        seed: 7,
        rules: [
          {
            service: 's3',
            operation: 'CopyObject',
            rate: 0.1,
            fault: 'throttle'
          }
        ]
      }
    }
    expect(
      readScenario(write('ok.json', { ...good, sandbox })).sandbox
    ).toEqual(sandbox)
  })
})

describe('actionEnv', () => {
  const declared = readActionInputs()

  it('reads every input of action.yml with its default', () => {
    const byName = Object.fromEntries(declared.map((i) => [i.name, i.default]))
    expect(Object.keys(byName)).toContain('mode')
    expect(byName.mode).toBeUndefined()
    expect(byName.stage).toBe('prod')
    expect(byName.region).toBe('')
    expect(byName['frontend-flag']).toBe('/frontend/maintenance-mode-{stage}')
    expect(byName['wait-timeout']).toBe('0')
    expect(byName['dry-run']).toBe('false')
    expect(byName['stale-after']).toBe('24h')
  })

  it('builds INPUT_ variables as the runner does', () => {
    const env = actionEnv(declared, 'enter', {
      'dry-run': 'true',
      stage: 'dev'
    })
    expect(env['INPUT_MODE']).toBe('enter')
    expect(env['INPUT_DRY-RUN']).toBe('true')
    expect(env['INPUT_STAGE']).toBe('dev')
    expect(env['INPUT_POLL-INTERVAL']).toBe('30s')
    expect(env['INPUT_REPORT-PATH']).toBe('')
    expect(Object.keys(env).sort()).toEqual(
      declared.map((i) => `INPUT_${i.name.toUpperCase()}`).sort()
    )
  })

  it('passes an invalid mode and undeclared inputs through', () => {
    const env = actionEnv(declared, 'Exit!', { 'extra thing': 'x' })
    expect(env['INPUT_MODE']).toBe('Exit!')
    expect(env['INPUT_EXTRA_THING']).toBe('x')
  })

  it('parses plain and quoted YAML scalars', () => {
    const yml = [
      'name: x',
      'inputs:',
      '  a:',
      '    description: >-',
      '      folded text: with a colon',
      '    default: "two words"',
      "  b:\n    default: 'it''s'",
      '  c:\n    default: plain # comment',
      'outputs:',
      '  d:',
      '    default: not an input'
    ].join('\n')
    expect(parseActionInputs(yml)).toEqual([
      { name: 'a', default: 'two words' },
      { name: 'b', default: "it's" },
      { name: 'c', default: 'plain' }
    ])
  })

  it('reads both forms of GITHUB_OUTPUT', () => {
    const text =
      'verdict<<ghadelimiter_1\npass\nghadelimiter_1\n' +
      'report<<EOF\n/tmp/a b.json\nEOF\nblocking=0\nmulti<<X\nl1\nl2\nX\n'
    expect(parseGithubOutput(text)).toEqual({
      verdict: 'pass',
      report: '/tmp/a b.json',
      blocking: '0',
      multi: 'l1\nl2'
    })
  })
})

// A stand-in for dist/index.js: records what it was given, answers like
// the action (outputs, summary, report) and exits with a chosen code.
const STUB = `
const fs = require('node:fs')
const env = process.env
const report = env.RUNNER_TEMP + '/animl-maintenance-gate-' + env.INPUT_MODE + '.json'
fs.writeFileSync(report, JSON.stringify({ env, cwd: process.cwd() }))
fs.appendFileSync(env.GITHUB_OUTPUT,
  'verdict<<ghadelimiter_1\\nblocked\\nghadelimiter_1\\nreport=' + report + '\\n')
fs.appendFileSync(env.GITHUB_STEP_SUMMARY, '## ' + env.INPUT_MODE + '\\n')
console.log('out'); console.error('err')
process.exit(Number(env['INPUT_STALE-AFTER'] === '1h' ? 1 : 0))
`

describe('runAction (against a stub action)', () => {
  const actionDir = mkdtempSync(join(tmpdir(), 'action-'))
  mkdirSync(join(actionDir, 'dist'))
  writeFileSync(join(actionDir, 'dist', 'index.js'), STUB)
  copyFileSync(join(REPO_ROOT, 'action.yml'), join(actionDir, 'action.yml'))
  let box: Sandbox
  beforeAll(async () => {
    box = await startSandbox(readScenario(join(DIR, 'after-deploy.json')))
  })
  afterAll(() => box?.stop())

  it('runs it like a runner and keeps what it left', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'run-'))
    process.env.AWS_PROFILE = 'prod-admin'
    process.env.AWS_ENDPOINT_URL = 'https://real.example'
    process.env['INPUT_STAGE'] = 'leaked'
    const r = await runAction({
      sandbox: box,
      mode: 'check',
      inputs: { 'stale-after': '1h' },
      outDir,
      actionDir
    }).finally(() => {
      delete process.env.AWS_PROFILE
      delete process.env.AWS_ENDPOINT_URL
      delete process.env['INPUT_STAGE']
    })
    expect(r.exitCode).toBe(1)
    expect(r.outputs.verdict).toBe('blocked')
    expect(r.summary).toBe('## check\n')
    const { env } = r.report as { env: Record<string, string> }
    expect(env['INPUT_MODE']).toBe('check')
    expect(env['INPUT_STAGE']).toBe('prod')
    expect(env['INPUT_STALE-AFTER']).toBe('1h')
    expect(env['INPUT_DRY-RUN']).toBe('false')
    expect(env.GITHUB_ACTIONS).toBe('true')
    expect(env.AWS_PROFILE).toBeUndefined()
    expect(env.AWS_ENDPOINT_URL).toBeUndefined()
    expect(env.AWS_ENDPOINT_URL_S3).toBe(box.env.AWS_ENDPOINT_URL_S3)
    expect(env.RUNNER_TEMP?.startsWith(outDir)).toBe(true)
    const read = (f: string) => readFileSync(join(outDir, f), 'utf8')
    expect(JSON.parse(read('report.json'))).toEqual(r.report)
    expect(read('exit-code').trim()).toBe('1')
    expect(read('summary.md')).toBe(r.summary)
    expect(JSON.parse(read('state.json'))).toEqual(await box.state())
    expect(read('log.txt')).toMatch(/out\n[^]*err\n|err\n[^]*out\n/)
  })

  it('writes null and the exit code when dist/index.js is missing', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'run-'))
    const empty = mkdtempSync(join(tmpdir(), 'no-dist-'))
    copyFileSync(join(REPO_ROOT, 'action.yml'), join(empty, 'action.yml'))
    const r = await runAction({
      sandbox: box,
      mode: 'x',
      outDir,
      actionDir: empty
    })
    expect(r.exitCode).toBe(1)
    expect(r.report).toBeNull()
    const read = (f: string) => readFileSync(join(outDir, f), 'utf8').trim()
    expect(read('report.json')).toBe('null')
    expect(read('exit-code')).toBe('1')
    expect(read('log.txt')).toMatch(/Cannot find module/)
  })

  it('refuses an action directory without action.yml', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'run-'))
    const actionDir = mkdtempSync(join(tmpdir(), 'no-action-'))
    await expect(
      runAction({ sandbox: box, mode: 'check', outDir, actionDir })
    ).rejects.toThrow(/action\.yml/)
  })
})
