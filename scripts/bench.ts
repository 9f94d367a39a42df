// npm run bench -- [--out FILE] [--sizes 1000,10000] [--tools gate,…]
//   [--object-bytes N] [--memory-trace DIR] [--gate-node-flags '…']
// Moves the same generated parking lot three ways against the same
// sandbox (through its counting S3 proxy, ingest-image playing): the
// gate's exit drain, `aws s3 mv --recursive` and `rclone move`. Prints
// objects per second, requests per object, peak RSS and whether every key
// arrived byte-identical, then the ratios to the gate. Not a test.
//
// For finding where memory goes: --memory-trace DIR samples the gate's
// process.memoryUsage() every 250 ms into DIR/gate-<objects>.jsonl (a
// preload passed through NODE_OPTIONS, which only the bench sets), and
// --gate-node-flags adds node flags to the gate alone (--trace-gc,
// --heap-prof, --max-old-space-size). --object-bytes makes every object
// that size, to keep loading a 100,000-object lot short.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { actionEnv, readActionInputs, REPO_ROOT } from '../sandbox/run-action'
import { objectContent, startSandbox, type Sandbox } from '../sandbox/sandbox'
import { readScenario, type Scenario } from '../sandbox/scenario'

const LOT = 'animl-images-parkinglot-prod'
const INGESTION = 'animl-images-ingestion-prod'
// Odd keys of the scenarios: spaces, +, #, %, ?, non-ASCII, deep paths.
const ODD = [
  'IMG 0001.JPG',
  'cam+1_photo#2.jpg',
  '100%_zoom.png',
  '50%25 literally.jpg',
  'what?.jpeg',
  'a&b=c;d.jpg',
  'Café Trail Cam ü.JPG',
  'トレイル/カメラ 1.jpg',
  'emoji 🦊.jpg',
  'double//slash.jpg',
  'RCNX0042 (1).JPG',
  'p_001 2026-11-21 01-15-00.jpg'
]

interface Figure {
  tool: string
  objects: number
  seconds: number
  objectsPerSecond: number
  requestsPerObject: number
  peakRssMb: number
  intact: boolean
}

interface Tool {
  name: string
  available: () => boolean
  command: (
    box: Sandbox,
    dir: string
  ) => Promise<[string, string[], NodeJS.ProcessEnv]>
}

interface Options {
  objectBytes: number | undefined
  memoryTrace: string | undefined
  gateNodeFlags: string
}

let options: Options = {
  objectBytes: undefined,
  memoryTrace: undefined,
  gateNodeFlags: ''
}

// Loaded into the gate with --import: samples its memory until it exits.
const SAMPLER = `
import { appendFileSync } from 'node:fs'
const file = process.env.BENCH_MEMORY_TRACE
const started = Date.now()
const sample = () => appendFileSync(file, JSON.stringify({
  ms: Date.now() - started, ...process.memoryUsage()
}) + '\\n')
setInterval(sample, 250).unref()
process.on('exit', sample)
`

const TOOLS: Tool[] = [
  {
    name: 'gate',
    available: () => existsSync(join(REPO_ROOT, 'dist', 'index.js')),
    command: async (box, dir) => [
      process.execPath,
      [...(await gateFlags(box, dir)), join(REPO_ROOT, 'dist', 'index.js')],
      await gateEnv(box, dir)
    ]
  },
  {
    name: 'aws-cli',
    available: () => existsSync('/usr/bin/aws'),
    command: async (box) => [
      '/usr/bin/aws',
      [
        's3',
        'mv',
        `s3://${LOT}`,
        `s3://${INGESTION}`,
        '--recursive',
        '--only-show-errors',
        // Debian's awscli 2.9 predates AWS_ENDPOINT_URL.
        '--endpoint-url',
        box.env.AWS_ENDPOINT_URL_S3 ?? ''
      ],
      peerEnv(box)
    ]
  },
  {
    name: 'rclone',
    available: () => existsSync('/usr/bin/rclone'),
    command: async (box) => [
      '/usr/bin/rclone',
      // rclone HEADs each copy by default, which races ingest-image
      // taking it away: --s3-no-head gives rclone its fair chance.
      ['move', '--s3-no-head', `sb:${LOT}`, `sb:${INGESTION}`],
      {
        ...peerEnv(box),
        RCLONE_CONFIG_SB_TYPE: 's3',
        RCLONE_CONFIG_SB_PROVIDER: 'Other',
        RCLONE_CONFIG_SB_ENDPOINT: box.env.AWS_ENDPOINT_URL_S3,
        RCLONE_CONFIG_SB_ACCESS_KEY_ID: 'test',
        RCLONE_CONFIG_SB_SECRET_ACCESS_KEY: 'test',
        RCLONE_CONFIG_SB_REGION: 'us-west-2',
        RCLONE_CONFIG_SB_FORCE_PATH_STYLE: 'true'
      }
    ]
  }
]

function peerEnv(box: Sandbox): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...box.env }
  // The runner's CA bundle and profile must not reach the peers.
  delete env.AWS_CA_BUNDLE
  delete env.AWS_PROFILE
  delete env.AWS_ENDPOINT_URL_S3
  env.AWS_DEFAULT_REGION = 'us-west-2'
  return env
}

function objects(box: Sandbox): number {
  return box.scenario.buckets[LOT]?.length ?? 0
}

// Node flags for the gate alone, on its command line (NODE_OPTIONS takes
// only some of them, and a runner passes none: these are for diagnosis).
async function gateFlags(box: Sandbox, dir: string): Promise<string[]> {
  const flags = options.gateNodeFlags.split(' ').filter(Boolean)
  if (options.memoryTrace) {
    const sampler = join(dir, 'sampler.mjs')
    await writeFile(sampler, SAMPLER)
    flags.push('--import', sampler)
  }
  return flags
}

async function gateEnv(box: Sandbox, dir: string): Promise<NodeJS.ProcessEnv> {
  const files = ['output', 'summary', 'env', 'path', 'state'].map((f) =>
    join(dir, f)
  )
  for (const f of files) await writeFile(f, '')
  const [output, summary, env, path, state] = files
  return {
    PATH: process.env.PATH,
    ...box.env,
    ...(options.memoryTrace && {
      BENCH_MEMORY_TRACE: join(
        options.memoryTrace,
        `gate-${objects(box)}.jsonl`
      )
    }),
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_ENV: env,
    GITHUB_PATH: path,
    GITHUB_STATE: state,
    RUNNER_TEMP: dir,
    ...actionEnv(readActionInputs(), 'exit', {})
  }
}

function lot(size: number): Scenario {
  const base = readScenario(join(REPO_ROOT, 'scenarios', 'after-deploy.json'))
  // Half plain camera images, half images of a batch whose queue exists.
  const keys = [...ODD]
  for (let i = keys.length; i < size; i++) {
    keys.push(
      i % 2
        ? `RCNX${String(i).padStart(6, '0')}.JPG`
        : `batch-4a37fa2d-f2d7-440f-8785-9faeecc3f80c/site ${i % 7}/IMG_${i}.JPG`
    )
  }
  const objects = keys.map((key, i) => ({
    key,
    size: options.objectBytes ?? 2_048 + (i % 5) * 512,
    contentType: 'image/jpeg'
  }))
  const ssm = { ...base.ssm }
  // Already open: the drain starts at once, as the peers do.
  ssm['/images/maintenance-mode-prod'] = { type: 'String', value: 'false' }
  return { ...base, ssm, buckets: { [LOT]: objects, [INGESTION]: [] } }
}

/** Runs a command under /usr/bin/time; returns seconds and peak RSS. */
function measure(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  log?: string
): Promise<{ seconds: number; peakRssMb: number; code: number; err: string }> {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint()
    const child = spawn(
      '/usr/bin/time',
      ['-f', 'BENCH_RSS_KB=%M', command, ...args],
      { env }
    )
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    if (log) child.stdout.pipe(createWriteStream(log))
    else child.stdout.resume()
    child.on('error', fail)
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const kb = Number(/BENCH_RSS_KB=(\d+)/.exec(err)?.[1] ?? 0)
      done({ seconds, peakRssMb: kb / 1024, code: code ?? 1, err })
    })
  })
}

function intact(box: Sandbox, scenario: Scenario): boolean {
  for (const o of scenario.buckets[LOT] ?? []) {
    const md5 = createHash('md5')
      .update(objectContent(o.key, o.size))
      .digest('hex')
    if (box.ingest.ingested.get(o.key)?.md5 !== md5) return false
  }
  return true
}

async function benchOne(tool: Tool, size: number): Promise<Figure> {
  const scenario = lot(size)
  const box = await startSandbox(scenario)
  try {
    const dir = await mkdtemp(join(tmpdir(), `bench-${tool.name}-`))
    const [command, args, env] = await tool.command(box, dir)
    box.s3proxy.reset()
    // With --memory-trace, the gate's log (progress lines, --trace-gc)
    // is kept next to its samples.
    const log =
      tool.name === 'gate' && options.memoryTrace
        ? join(options.memoryTrace, `gate-${size}.log`)
        : undefined
    const run = await measure(command, args, env, log)
    // Peers do not wait for ingest-image; the gate does (it must).
    await box.ingest.idle()
    if (run.code !== 0)
      console.error(`${tool.name} exited ${run.code}: ${run.err.slice(-2_000)}`)
    const requests = box.s3proxy.total()
    return {
      tool: tool.name,
      objects: size,
      seconds: Number(run.seconds.toFixed(2)),
      objectsPerSecond: Math.round(size / run.seconds),
      requestsPerObject: Number((requests / size).toFixed(4)),
      peakRssMb: Number(run.peakRssMb.toFixed(1)),
      intact: run.code === 0 && intact(box, scenario)
    }
  } finally {
    await box.stop()
  }
}

function ensurePeers(): void {
  if (existsSync('/usr/bin/aws') && existsSync('/usr/bin/rclone')) return
  console.log('bench: installing awscli and rclone (apt-get)')
  const r = spawnSync(
    'sh',
    [
      '-c',
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli rclone'
    ],
    { stdio: 'inherit' }
  )
  if (r.status !== 0)
    console.log('bench: could not install peers; those missing are skipped')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      sizes: { type: 'string' },
      tools: { type: 'string' },
      'object-bytes': { type: 'string' },
      'memory-trace': { type: 'string' },
      'gate-node-flags': { type: 'string' }
    },
    strict: true
  })
  const sizes = (values.sizes ?? '1000,10000').split(',').map(Number)
  const wanted = values.tools?.split(',')
  const bytes = values['object-bytes']
  options = {
    objectBytes: bytes ? Number(bytes) : undefined,
    memoryTrace: values['memory-trace'],
    gateNodeFlags: values['gate-node-flags'] ?? ''
  }
  if (options.memoryTrace) await mkdir(options.memoryTrace, { recursive: true })
  ensurePeers()
  const figures: Figure[] = []
  for (const size of sizes) {
    for (const tool of TOOLS) {
      if (wanted && !wanted.includes(tool.name)) continue
      if (!tool.available()) {
        console.log(`bench: ${tool.name} not available, skipped`)
        continue
      }
      const f = await benchOne(tool, size)
      figures.push(f)
      console.log(JSON.stringify(f))
    }
  }
  printTable(figures)
  if (values.out)
    await writeFile(values.out, JSON.stringify(figures, null, 2) + '\n')
}

function printTable(figures: Figure[]): void {
  console.log(
    '\n| tool | objects | seconds | objects/s | requests/object | peak RSS MB | intact | gate ÷ tool (objects/s) |'
  )
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
  for (const f of figures) {
    const gate = figures.find(
      (g) => g.tool === 'gate' && g.objects === f.objects
    )
    const ratio = gate
      ? (gate.objectsPerSecond / f.objectsPerSecond).toFixed(2)
      : '–'
    console.log(
      `| ${f.tool} | ${f.objects} | ${f.seconds} | ${f.objectsPerSecond} | ${f.requestsPerObject} | ${f.peakRssMb} | ${f.intact ? 'yes' : 'NO'} | ${ratio} |`
    )
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
