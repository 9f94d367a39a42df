// Issue #6 end to end: after each flag write the gate waits until the
// component shows the flag in effect (the API stand-in reads the api flag
// through a cache), writes the status object, and signs users out.
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/sandbox'
import type { Scenario } from '../../sandbox/scenario'
import { run, scenario, withSandbox } from './harness'

const FLAGS = {
  frontend: '/frontend/maintenance-mode-prod',
  api: '/api/maintenance-mode-prod',
  ingestion: '/images/maintenance-mode-prod'
}
const MUTATION = JSON.stringify({
  query: 'mutation { updateLabel(input: {}) { ok } }'
})

interface Probe {
  status: string
  attempts: number
  seconds: number
  detail: string
}
type Flag = { name: string; after: string | null; probe?: Probe }

function apiProbe(sandbox: Sandbox, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    url: sandbox.apiUrl,
    method: 'POST',
    body: MUTATION,
    headers: { 'content-type': 'application/json' },
    whenOn: { json: 'errors.0.extensions.code', equals: 'MAINTENANCE' },
    whenOff: { status: 200 },
    ...extra
  })
}

/** No batch in flight, the API reading its flag through `cache` seconds. */
function quiet(cacheSeconds: number, on = false): Scenario {
  const base = scenario('before-deploy')
  const ssm = { ...base.ssm }
  if (on) {
    for (const name of Object.values(FLAGS))
      ssm[name] = { type: 'String', value: 'true' }
  }
  return {
    ...base,
    ssm,
    mongo: { batches: [], batcherrors: [] },
    batchJobs: [],
    sandbox: { ...base.sandbox, apiFlagCacheSeconds: cacheSeconds }
  }
}

function flag(result: { report: unknown }, name: string): Flag | undefined {
  const flags = (result.report as { flags?: Flag[] } | null)?.flags ?? []
  return flags.find((f) => f.name === name)
}

/** A warm API container: it has just read (and cached) the flag. */
async function warm(sandbox: Sandbox): Promise<void> {
  await fetch(sandbox.apiUrl, { method: 'POST', body: MUTATION })
}

const FAST = { 'poll-interval': '1s', 'settle-time': '0' }

describe('propagation barrier', () => {
  it('waits until the API refuses mutations before going on', async () => {
    await withSandbox(quiet(3), async (sandbox) => {
      await warm(sandbox)
      const result = await run(sandbox, 'enter', {
        ...FAST,
        'api-probe': apiProbe(sandbox),
        'probe-timeout': '20s'
      })
      expect(result.exitCode, result.stdout).toBe(0)
      const probe = flag(result, FLAGS.api)?.probe
      expect(probe?.status).toBe('passed')
      // The container's cached `false` outlived the write: the first tries
      // were answered, later ones refused.
      expect(probe?.attempts).toBeGreaterThan(1)
      expect(probe?.seconds).toBeGreaterThanOrEqual(1)
      expect(probe?.seconds).toBeLessThan(6)
      const kinds = sandbox.api.requests.map((r) => r.status)
      expect(kinds).toContain(200)
      expect(kinds.at(-1)).toBe(503)
      expect(flag(result, FLAGS.frontend)?.probe?.status).toBe('skipped')
      expect(result.state.ssm[FLAGS.ingestion]).toBe('true')
      expect(result.summary).toContain('in effect')
      expect(result.summary).toMatch(/✅ after \d+\.\ds \(\d+ tries\)/)
    })
  })

  it('fails naming the api flag, and leaves ingestion open, when the flag never takes effect', async () => {
    // The API's container keeps its cached `false` for a minute, far past
    // probe-timeout: the flag is written but the real API (the stand-in)
    // keeps taking mutations the whole time.
    const cacheSeconds = 60
    const probeTimeout = 3
    expect(cacheSeconds).toBeGreaterThan(probeTimeout)
    await withSandbox(quiet(cacheSeconds), async (sandbox) => {
      await warm(sandbox)
      const result = await run(sandbox, 'enter', {
        ...FAST,
        'api-probe': apiProbe(sandbox),
        'probe-timeout': `${probeTimeout}s`
      })
      expect(result.exitCode, result.stdout).toBe(1)
      expect(result.report?.verdict).toBe('error')
      expect(result.report?.reason).toMatch(
        /^Flag api \(\/api\/maintenance-mode-prod\) was set on but did not take effect within 3s \(probe-timeout\): \d+ tries, last status 200/
      )
      expect(result.stdout).toMatch(/^::error::Flag api \(/m)
      const probe = flag(result, FLAGS.api)?.probe
      expect(probe?.status).toBe('failed')
      expect(probe?.attempts).toBeGreaterThanOrEqual(3)
      expect(probe?.seconds).toBeGreaterThanOrEqual(probeTimeout)
      // Every mutation, the gate's probes and one sent now, was accepted.
      const probed = sandbox.api.requests.length
      expect(probed).toBeGreaterThanOrEqual(1 + (probe?.attempts ?? 0))
      const now = await fetch(sandbox.apiUrl, {
        method: 'POST',
        body: MUTATION
      })
      expect(now.status).toBe(200)
      expect(sandbox.api.requests.map((r) => r.status)).not.toContain(503)
      // Written, but nothing after it ran: ingestion stays open.
      expect(result.state.ssm[FLAGS.api]).toBe('true')
      expect(result.state.ssm[FLAGS.ingestion]).toBe('false')
      expect(sandbox.aws.calls.map((c) => c.operation)).not.toContain(
        'ListJobs'
      )
      expect(
        sandbox.aws.calls.filter(
          (c) =>
            c.operation === 'PutParameter' &&
            (c.input as { Name?: string }).Name === FLAGS.ingestion
        )
      ).toEqual([])
      expect(result.summary).toContain('❌ not after')
    })
  })

  it('exit waits until the API takes mutations again', async () => {
    await withSandbox(quiet(2, true), async (sandbox) => {
      await warm(sandbox)
      const result = await run(sandbox, 'exit', {
        ...FAST,
        'api-probe': apiProbe(sandbox),
        'probe-timeout': '20s'
      })
      expect(result.exitCode, result.stdout).toBe(0)
      const probe = flag(result, FLAGS.api)?.probe
      expect(probe?.status).toBe('passed')
      expect(sandbox.api.requests.at(-1)?.status).toBe(200)
      expect(result.state.ssm[FLAGS.api]).toBe('false')
    })
  })

  it('in a dry run probes once, writes nothing and reports what it saw', async () => {
    await withSandbox(quiet(0), async (sandbox) => {
      const result = await run(sandbox, 'enter', {
        ...FAST,
        'dry-run': 'true',
        'api-probe': apiProbe(sandbox, {
          headers: { authorization: 'Bearer dry-run-token-5678' }
        })
      })
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toContain('::add-mask::Bearer dry-run-token-5678')
      expect(result.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(
        'dry-run-token'
      )
      const probe = flag(result, FLAGS.api)?.probe
      expect(probe).toMatchObject({ status: 'pending', attempts: 1 })
      expect(probe?.detail).toBe(
        'status 200, errors.0.extensions.code = absent'
      )
      expect(result.state.ssm[FLAGS.api]).toBe('false')
    })
  })

  it('masks probe header values and never prints them', async () => {
    await withSandbox(quiet(0), async (sandbox) => {
      const token = 'Bearer s3cr3t-probe-token-1234'
      const spec = JSON.parse(apiProbe(sandbox)) as Record<string, unknown>
      spec.headers = { authorization: token }
      const result = await run(sandbox, 'check', {
        'api-probe': JSON.stringify(spec).replace('"url"', '"bogus": 1, "url"')
      })
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toBe(
        "Input 'api-probe' cannot be used: unknown field 'bogus' (known: url,method,body,headers,whenOn,whenOff); value not shown."
      )
      expect(result.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(
        's3cr3t'
      )
      expect(JSON.stringify(result.report)).not.toContain('s3cr3t')
    })
  })
})

describe('status object', () => {
  const LOCATION = 's3://animl-frontend-prod/maintenance.json'

  async function read(sandbox: Sandbox) {
    const got = await sandbox.s3.send(
      new GetObjectCommand({
        Bucket: 'animl-frontend-prod',
        Key: 'maintenance.json'
      })
    )
    const text = await got.Body!.transformToString()
    return {
      body: JSON.parse(text) as Record<string, unknown>,
      cacheControl: got.CacheControl,
      contentType: got.ContentType
    }
  }

  it('enter writes maintenance on, exit writes it off, uncached', async () => {
    await withSandbox(quiet(0), async (sandbox) => {
      sandbox.fauxqs.createBucket('animl-frontend-prod')
      const inputs = {
        ...FAST,
        'status-object': LOCATION,
        'status-message': 'Back at six',
        'expected-end': '45m'
      }
      const before = Date.now()
      const entered = await run(sandbox, 'enter', inputs)
      expect(entered.exitCode, entered.stdout).toBe(0)
      const on = await read(sandbox)
      expect(on.cacheControl).toBe('no-store, max-age=0')
      expect(on.contentType).toBe('application/json')
      expect(on.body).toMatchObject({
        maintenance: true,
        message: 'Back at six',
        run: { repository: 'animl/animl-deploy' }
      })
      const end = Date.parse(String(on.body.expectedEnd))
      expect(end - before).toBeGreaterThanOrEqual(45 * 60_000)
      expect(end - before).toBeLessThan(46 * 60_000)
      expect(entered.summary).toContain('written: **maintenance**')

      const exited = await run(sandbox, 'exit', inputs)
      expect(exited.exitCode, exited.stdout).toBe(0)
      const off = await read(sandbox)
      expect(off.body).toMatchObject({ maintenance: false, message: '' })
      expect(off.body.expectedEnd).toBeUndefined()
    })
  })

  it('is not written in a dry run', async () => {
    await withSandbox(quiet(0), async (sandbox) => {
      sandbox.fauxqs.createBucket('animl-frontend-prod')
      const result = await run(sandbox, 'enter', {
        ...FAST,
        'dry-run': 'true',
        'status-object': LOCATION
      })
      expect(result.exitCode).toBe(0)
      expect(result.state.buckets['animl-frontend-prod']).toEqual([])
      expect(result.report).toMatchObject({
        statusObject: { written: false, body: { maintenance: true } }
      })
    })
  })

  it('fails enter, before the check, when it cannot be written', async () => {
    await withSandbox(quiet(0), async (sandbox) => {
      const result = await run(sandbox, 'enter', {
        ...FAST,
        'status-object': 's3://no-such-bucket-prod/maintenance.json'
      })
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(
        /^Could not write the status object s3:\/\/no-such-bucket-prod\/maintenance.json: /
      )
      expect(result.state.ssm[FLAGS.ingestion]).toBe('false')
    })
  })
})

describe('sign-out', () => {
  const POOL = 'us-west-2_TestPool1'

  function users(sandbox: Sandbox, count: number) {
    const list = Array.from({ length: count }, (_, i) => ({
      username: `user-${String(i).padStart(3, '0')}`,
      signOuts: 0
    }))
    sandbox.cognito.pools.set(POOL, list)
    return list
  }

  it('signs every user out, page by page and paced, after the api flag', async () => {
    await withSandbox(quiet(0), async (sandbox) => {
      const list = users(sandbox, 130)
      sandbox.cognito.failing.add('AdminUserGlobalSignOut:user-007')
      const result = await run(sandbox, 'enter', {
        ...FAST,
        'sign-out-user-pool': POOL,
        'sign-out-rate': '50'
      })
      expect(result.exitCode, result.stdout).toBe(0)
      expect(list.filter((u) => u.signOuts === 1)).toHaveLength(129)
      const ops = sandbox.cognito.calls.map((c) => c.operation)
      expect(ops.filter((o) => o === 'ListUsers')).toHaveLength(3)
      const outs = sandbox.cognito.calls.filter(
        (c) => c.operation === 'AdminUserGlobalSignOut'
      )
      // 50 a second: 130 calls (plus retries of the failing one) take
      // at least 2.5 s.
      const span = (outs.at(-1)?.at ?? 0) - (outs[0]?.at ?? 0)
      expect(span).toBeGreaterThanOrEqual(2_400)
      expect(result.report).toMatchObject({
        signOut: { users: 130, signedOut: 129, failed: 1, dryRun: false }
      })
      expect(JSON.stringify(result.report)).not.toContain('user-007')
      expect(result.summary).toMatch(/129 of 130 users signed out, ⚠️ 1 failed/)
      // Only once the api flag was written.
      const apiWritten = sandbox.aws.ssm.get(FLAGS.api)?.lastModified
      expect(sandbox.cognito.calls[0]?.at).toBeGreaterThanOrEqual(
        apiWritten?.getTime() ?? Infinity
      )
    })
  })

  it('signs nobody out in a dry run', async () => {
    await withSandbox(quiet(0), async (sandbox) => {
      const list = users(sandbox, 5)
      const result = await run(sandbox, 'enter', {
        ...FAST,
        'dry-run': 'true',
        'sign-out-user-pool': POOL
      })
      expect(result.exitCode).toBe(0)
      expect(list.every((u) => u.signOuts === 0)).toBe(true)
      expect(sandbox.cognito.calls.map((c) => c.operation).sort()).toEqual([
        'ListUsers'
      ])
      expect(result.summary).toContain('would sign out 5 users (dry run)')
    })
  })
})
