// The sandbox: one Animl stage played locally (fauxqs for S3 and SQS, the
// MongoDB and AWS JSON stand-ins for the rest), loaded from a scenario so
// the built action can run against it with no AWS account.
import { createHash } from 'node:crypto'
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand
} from '@aws-sdk/client-s3'
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { EJSON, type Document } from 'bson'
import { startFauxqs, type FauxqsServer } from 'fauxqs'
import { startApiStandIn, type ApiStandIn } from './api-standin'
import { startAwsJsonStandIn, type AwsJsonStandIn } from './aws-json'
import { startCognitoStandIn, type CognitoStandIn } from './cognito'
import { startIngestImage, type IngestImage } from './ingest-image'
import { rawS3, type RawS3 } from './raw-s3'
import { startMongoStandIn, type MongoStandIn } from './mongo-wire'
import { createFaults, type Faults } from './faults'
import { faultHook, sqsOp, startS3Proxy, type S3Proxy } from './s3-proxy'
import {
  fillSsmPlaceholders,
  mongoCredentials,
  mongoUriFor,
  MIN_PART_SIZE,
  shiftScenario,
  type Scenario,
  type ScenarioObject,
  type ScenarioQueue,
  type ShiftedScenario
} from './scenario'

export interface SandboxOptions {
  now?: Date // the scenario is shifted to this time (default: now)
  concurrency?: number // S3 writes in flight while loading (default 16)
}

export interface SandboxState {
  ssm: Record<string, string>
  buckets: Record<string, string[]>
  ingested: string[] // keys ingest-image took, sorted
}

export interface Sandbox {
  scenario: ShiftedScenario
  fauxqs: FauxqsServer
  mongo: MongoStandIn
  aws: AwsJsonStandIn
  s3proxy: S3Proxy // counts S3 requests; env.AWS_ENDPOINT_URL_S3 points here
  sqsproxy: S3Proxy // the same for SQS (sqsOp names); AWS_ENDPOINT_URL_SQS
  faults: Faults // scenario.sandbox.faults, live: tests may change the rules
  ingest: IngestImage
  api: ApiStandIn // refuses mutations while the api flag (as cached) is on
  apiUrl: string // the API stand-in's GraphQL URL, for probe inputs
  cognito: CognitoStandIn // user pools; tests add users
  s3: S3Client // straight to fauxqs, not counted
  sqs: SQSClient
  mongoUri: string
  env: Record<string, string>
  state(): Promise<SandboxState>
  stop(): Promise<void>
}

// The longest visibility timeout SQS allows: in-flight messages stay
// in flight for any rehearsal.
const IN_FLIGHT_SECONDS = 12 * 60 * 60
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

export async function startSandbox(
  raw: Scenario,
  options: SandboxOptions = {}
): Promise<Sandbox> {
  const scenario = shiftScenario(raw, options.now)
  await listInByteOrder()
  const started: { stop(): Promise<void> }[] = []
  try {
    const [mongo, fauxqs] = await Promise.all([
      startMongoStandIn({
        collections: cloneDocs(scenario.mongo),
        credentials: mongoCredentials(scenario.ssm)
      }),
      startFauxqs({
        port: 0,
        logger: false,
        host: '127.0.0.1',
        defaultRegion: scenario.region
      })
    ])
    started.push(mongo, fauxqs)
    const aws = await startAwsJsonStandIn({
      ssm: fillSsmPlaceholders(scenario.ssm, mongo.hostPort),
      batchJobs: structuredClone(scenario.batchJobs),
      region: scenario.region
    })
    started.push(aws)
    const s3proxy = await startS3Proxy(fauxqs.port)
    started.push(s3proxy)
    const sqsproxy = await startS3Proxy(fauxqs.port, sqsOp)
    // Only the action's calls meet faults: they come through the proxies
    // and the stand-ins' ports; loading and state() go around them.
    const given = scenario.sandbox?.faults
    const faults = createFaults(given?.seed, structuredClone(given?.rules))
    s3proxy.beforeForward.push(faultHook(faults, 's3'))
    sqsproxy.beforeForward.push(faultHook(faults, 'sqs'))
    aws.faults = faults
    mongo.faults = faults
    started.push(sqsproxy)
    const api = await startApiStandIn({
      readFlag: () =>
        aws.ssm.get(`/api/maintenance-mode-${scenario.stage}`)?.value,
      flagCacheSeconds: scenario.sandbox?.apiFlagCacheSeconds ?? 0
    })
    started.push(api)
    const cognito = await startCognitoStandIn()
    started.push(cognito)
    const endpoint = `http://127.0.0.1:${fauxqs.port}`
    const s3 = new S3Client({
      endpoint,
      region: scenario.region,
      credentials,
      forcePathStyle: true,
      // No CRC32 per request: a quarter faster to load, same ETags.
      requestChecksumCalculation: 'WHEN_REQUIRED'
    })
    // fauxqs hands out queue URLs on hosts that do not resolve here.
    const sqs = new SQSClient({
      endpoint,
      region: scenario.region,
      credentials,
      useQueueUrlAsEndpoint: false
    })
    const raw = rawS3(endpoint)
    started.push({ stop: () => Promise.resolve(raw.close()) })
    const ingest = startIngestImageFor(scenario, raw, aws)
    s3proxy.onObjectCreated.push((bucket, key) => ingest.notify(bucket, key))
    const box: Sandbox = {
      scenario,
      fauxqs,
      mongo,
      aws,
      s3proxy,
      sqsproxy,
      faults,
      ingest,
      api,
      apiUrl: api.url,
      cognito,
      s3,
      sqs,
      mongoUri: mongoUriFor(mongo.hostPort),
      env: {
        AWS_ENDPOINT_URL_S3: s3proxy.endpoint,
        AWS_ENDPOINT_URL_SQS: sqsproxy.endpoint,
        AWS_ENDPOINT_URL_SSM: aws.endpoint,
        AWS_ENDPOINT_URL_BATCH: aws.endpoint,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.endpoint,
        AWS_REGION: scenario.region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey
      },
      state: () => readState(box),
      stop: once(() => stopAll(box, started))
    }
    await loadBuckets(box, options.concurrency ?? 16)
    for (const q of scenario.queues) await loadQueue(box, q)
    return box
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.stop()))
    throw e
  }
}

// ingest-image of the scenario's stage, reading the flag the gate writes.
function startIngestImageFor(
  scenario: ShiftedScenario,
  s3: RawS3,
  aws: AwsJsonStandIn
): IngestImage {
  const { stage, ssm } = scenario
  const bucket = (name: string, role: string) =>
    ssm[`/images/${name}-bucket-${stage}`]?.value ??
    `animl-images-${role}-${stage}`
  return startIngestImage({
    s3,
    ingestionBucket: bucket('ingestion', 'ingestion'),
    parkingLotBucket: bucket('parkinglot', 'parkinglot'),
    readFlag: () => aws.ssm.get(`/images/maintenance-mode-${stage}`)?.value,
    flagCacheSeconds: scenario.sandbox?.ingestFlagCacheSeconds ?? 0
  })
}

// The stand-in's collections are live and may be mutated by tests; keep
// them apart from sandbox.scenario. Relaxed EJSON round-trips Dates.
function cloneDocs(mongo: Record<string, Document[]>) {
  const text = EJSON.stringify(mongo, { relaxed: true })
  return EJSON.parse(text, { relaxed: true }) as Record<string, Document[]>
}

// The slice of fauxqs's internal S3Store that the listing fix touches.
type Listing = {
  objects: { key: string }[]
  commonPrefixes: string[]
  isTruncated: boolean
}
type ListOptions = Record<string, string | number | undefined>
type ListFn = ((bucket: string, o?: ListOptions) => Listing) & {
  byteOrder?: true
}

// fauxqs 2.4 sorts a listing with localeCompare but pages with `<=`, so
// past 1,000 keys it skips keys whose two orders disagree (case, spaces,
// accents), and the gate would miss parked images. S3 lists in UTF-8 byte
// order: patch fauxqs's store (its prototype, once per process) to page
// that way.
async function listInByteOrder(): Promise<void> {
  const file = '../node_modules/fauxqs/dist/s3/s3Store.js'
  const store = await import(new URL(file, import.meta.url).href).catch(
    () => undefined
  )
  const proto = store?.S3Store?.prototype as
    { listObjects?: ListFn } | undefined
  const original = proto?.listObjects
  if (!proto || !original) {
    console.warn('sandbox: cannot fix fauxqs listing order; lists may skip')
    return
  }
  if (original.byteOrder) return
  const patched: ListFn = function (this: unknown, bucket, o = {}) {
    const after = Buffer.from(String(o.startAfter || o.marker || ''))
    const max = Number(o.maxKeys ?? 1000)
    const { prefix, delimiter } = o
    const everything = { prefix, delimiter, maxKeys: Infinity }
    const all = original.call(this, bucket, everything)
    const entries = [
      ...all.objects.map((obj) => ({ name: obj.key, obj })),
      ...all.commonPrefixes.map((name) => ({ name, obj: undefined }))
    ]
      .map((e) => ({ ...e, bytes: Buffer.from(e.name) }))
      .filter((e) => after.length === 0 || Buffer.compare(e.bytes, after) > 0)
      .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    const page = entries.slice(0, max)
    return {
      objects: page.flatMap((e) => (e.obj ? [e.obj] : [])),
      commonPrefixes: page.flatMap((e) => (e.obj ? [] : [e.name])),
      isTruncated: entries.length > max
    }
  }
  patched.byteOrder = true
  proto.listObjects = patched
}

async function loadBuckets(box: Sandbox, concurrency: number): Promise<void> {
  for (const [bucket, objects] of Object.entries(box.scenario.buckets)) {
    box.fauxqs.createBucket(bucket)
    await writeObjects(box.s3, bucket, objects, concurrency)
  }
}

// Content derived from the key alone, so a rehearsal is reproducible and
// two objects share an ETag only when they share a key.
export function objectContent(key: string, size: number): Buffer {
  return Buffer.alloc(size, createHash('sha256').update(key).digest())
}

export async function writeObjects(
  s3: S3Client,
  bucket: string,
  objects: ScenarioObject[],
  concurrency = 16
): Promise<void> {
  await forEachLimit(objects, concurrency, (o) => writeObject(s3, bucket, o))
}

async function writeObject(s3: S3Client, bucket: string, o: ScenarioObject) {
  const body = objectContent(o.key, o.size)
  const base = { Bucket: bucket, Key: o.key }
  if (!o.multipart) {
    await s3.send(
      new PutObjectCommand({ ...base, Body: body, ContentType: o.contentType })
    )
    return
  }
  // Two parts, the first at S3's minimum part size, give an ETag "…-2".
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ ...base, ContentType: o.contentType })
  )
  const parts = [body.subarray(0, MIN_PART_SIZE), body.subarray(MIN_PART_SIZE)]
  const sent = await Promise.all(
    parts.map((Body, i) =>
      s3.send(
        new UploadPartCommand({ ...base, UploadId, PartNumber: i + 1, Body })
      )
    )
  )
  const Parts = sent.map((r, i) => ({ ETag: r.ETag, PartNumber: i + 1 }))
  await s3.send(
    new CompleteMultipartUploadCommand({
      ...base,
      UploadId,
      MultipartUpload: { Parts }
    })
  )
}

// Makes the queue's approximate counts real: every message is sent, then
// `inFlight` of them are received and left invisible.
async function loadQueue(box: Sandbox, q: ScenarioQueue): Promise<void> {
  const region = box.scenario.region
  const { queueUrl } = box.fauxqs.createQueue(q.name, { region })
  for (let i = 0; i < q.visible + q.inFlight; i++) {
    const body = JSON.stringify({ queue: q.name, seq: i })
    box.fauxqs.sendMessage(q.name, body, { region })
  }
  let left = q.inFlight
  while (left > 0) {
    const r = await box.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, left),
        VisibilityTimeout: IN_FLIGHT_SECONDS
      })
    )
    const got = r.Messages?.length ?? 0
    if (got === 0) throw new Error(`queue ${q.name}: could not receive`)
    left -= got
  }
}

async function readState(box: Sandbox): Promise<SandboxState> {
  // Events still being handled would make the state depend on timing.
  await box.ingest.idle()
  const ssm: Record<string, string> = {}
  for (const name of [...box.aws.ssm.keys()].sort())
    ssm[name] = box.aws.ssm.get(name)?.value ?? ''
  const buckets: Record<string, string[]> = {}
  const listed = await box.s3.send(new ListBucketsCommand({}))
  const names = (listed.Buckets ?? []).map((b) => b.Name ?? '').sort()
  for (const name of names)
    buckets[name] = (await listKeys(box.s3, name)).sort()
  const ingested = [...box.ingest.ingested.keys()].sort()
  return { ssm, buckets, ingested }
}

// Every key in the bucket, following continuation tokens past 1,000.
export async function listKeys(s3: S3Client, bucket: string) {
  const keys: string[] = []
  let token: string | undefined
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token })
    )
    for (const o of page.Contents ?? [])
      if (o.Key !== undefined) keys.push(o.Key)
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return keys
}

async function stopAll(box: Sandbox, started: { stop(): Promise<void> }[]) {
  box.s3.destroy()
  box.sqs.destroy()
  const results = await Promise.allSettled(started.map((s) => s.stop()))
  const failed = results.filter((r) => r.status === 'rejected')
  if (failed.length > 0)
    throw new AggregateError(
      failed.map((r) => r.reason),
      'sandbox: stopping failed'
    )
}

async function forEachLimit<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>
): Promise<void> {
  let next = 0
  let failed = false
  // A failure stops every worker from taking more work.
  const worker = async () => {
    try {
      while (!failed && next < items.length) await fn(items[next++] as T)
    } catch (e) {
      failed = true
      throw e
    }
  }
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, worker)
  )
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined
  return () => (p ??= fn())
}
