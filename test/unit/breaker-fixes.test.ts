// Regressions found by trying to break the gate.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { startMongoStandIn, type MongoStandIn } from '../../sandbox/mongo-wire'
import { classify } from '../../src/classify'
import { mongoUriProblem } from '../../src/mongo-uri'
import { checkMongoUriInput, parseSettings } from '../../src/settings'
import { readBatchRecords } from '../../src/sources/batch-records'

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { default?: string }>
}
const parseWith = (given: Record<string, string>) =>
  parseSettings((name) => given[name] ?? action.inputs[name]?.default ?? '', {})

describe('mongoUriProblem', () => {
  it.each([
    ['mongodb://h:27017/animl', undefined],
    [
      'mongodb+srv://u:p@cluster0.example.net/animl?retryWrites=true',
      undefined
    ],
    ['mongodb://h:27017/', /names no database/],
    ['mongodb://h:27017/?authSource=admin', /names no database/],
    [
      'mongodb://admin:Hunter2Secret@127.0.0.1:notaport/animl',
      /driver cannot parse it/
    ],
    ['mongodb://h/animl?tls=maybe', /driver cannot parse it/],
    ['postgres://h/animl', /not a MongoDB connection string/]
  ])('%s', async (uri, problem) => {
    const found = await mongoUriProblem(uri)
    if (problem === undefined) expect(found).toBeUndefined()
    else expect(found).toMatch(problem)
    expect(found ?? '').not.toContain('Hunter2Secret')
  })

  it('makes a bad mongodb-uri input an input error that hides the value', async () => {
    const settings = parseWith({
      mode: 'enter',
      'mongodb-uri': 'mongodb://admin:Hunter2Secret@h:nope/animl'
    })
    const attempt = checkMongoUriInput(settings)
    await expect(attempt).rejects.toThrow(
      /Input 'mongodb-uri' cannot be used: the driver cannot parse it/
    )
    await expect(checkMongoUriInput(settings)).rejects.not.toThrow(
      /Hunter2Secret/
    )
  })
})

describe('settings', () => {
  it('names the input that repeats another flag', () => {
    expect(() =>
      parseWith({
        mode: 'check',
        'api-flag': '/images/maintenance-mode-{stage}'
      })
    ).toThrow(
      /Input 'ingestion-flag' is "\/images\/maintenance-mode-prod"; expected a parameter of its own, not that of 'api-flag'/
    )
  })

  it('refuses the same bucket twice for exit, before any call', () => {
    expect(() =>
      parseWith({
        mode: 'exit',
        'parking-lot-bucket': 'animl-x-prod',
        'ingestion-bucket': 'animl-x-prod'
      })
    ).toThrow(
      /Input 'ingestion-bucket' is "animl-x-prod"; expected a bucket other than 'parking-lot-bucket'/
    )
  })
})

describe('classify', () => {
  it('blocks a record that has no date at all', () => {
    const [finding] = classify(
      {
        batches: [{ id: 'batch-x' }],
        withErrors: new Set(),
        jobs: [],
        queues: new Map()
      },
      new Date(),
      86_400_000
    )
    expect(finding?.status).toBe('blocking')
  })
})

describe('readBatchRecords', () => {
  let mongo: MongoStandIn
  const day = new Date('2026-11-20T12:00:00Z')
  beforeAll(async () => {
    mongo = await startMongoStandIn({
      collections: {
        batches: [
          { _id: 'absent', created: day },
          { _id: 'null', created: day, processingEnd: null },
          { _id: 'junk', created: day, processingEnd: '' },
          {
            _id: 'string-date',
            created: day,
            processingEnd: '2026-11-20T13:00:00Z'
          },
          { _id: 'done', created: day, processingEnd: day }
        ],
        batcherrors: [{ _id: 'e1', batch: 'null', error: 'corrupt' }]
      }
    })
  })
  afterAll(async () => {
    await mongo.stop()
  })

  it('treats anything but a date in processingEnd as unfinished', async () => {
    const records = await readBatchRecords(`mongodb://${mongo.hostPort}/animl`)
    expect(records.unfinished.map((b) => b.id).sort()).toEqual([
      'absent',
      'junk',
      'null'
    ])
    expect([...records.withErrors]).toEqual(['null'])
  })

  it('fails naming mongodb for a URI without a database', async () => {
    await expect(
      readBatchRecords(`mongodb://${mongo.hostPort}/`)
    ).rejects.toThrow(/\(mongodb\).*names no database/)
  })
})
