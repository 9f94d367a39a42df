// The drain under Animl's real behaviour: ingest-image (played by the
// sandbox) parks or ingests every object created in the ingestion bucket,
// and the sandbox's S3 proxy counts the gate's requests.
import { DeleteObjectCommand } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import type { Scenario, ScenarioObject } from '../../sandbox/scenario'
import { run, scenario, withSandbox } from './harness'

const LOT = 'animl-images-parkinglot-prod'
const INGESTION = 'animl-images-ingestion-prod'

/** after-deploy with ingest-image caching its flag for `seconds`. */
function cached(seconds: number): Scenario {
  return {
    ...scenario('after-deploy'),
    sandbox: { ingestFlagCacheSeconds: seconds }
  }
}

/** A parking lot of `count` small single-part images, odd keys first. */
function lotOf(count: number): Scenario {
  const odd = [
    'IMG 0001.JPG',
    'cam+1_photo#2.jpg',
    '100%_zoom.png',
    'Café ü.JPG',
    'what?.jpeg'
  ]
  const keys = [
    ...odd,
    ...Array.from({ length: count - odd.length }, (_, i) => `bulk/${i}.jpg`)
  ]
  const objects: ScenarioObject[] = keys.map((key) => ({
    key,
    size: 2_048,
    contentType: 'image/jpeg'
  }))
  const base = scenario('after-deploy')
  return { ...base, buckets: { [LOT]: objects, [INGESTION]: [] } }
}

describe('exit drain', () => {
  it('stops at the canary when ingestion still parks, and loses nothing', async () => {
    await withSandbox(cached(600), async (sandbox) => {
      const before = await sandbox.state()
      const result = await run(sandbox, 'exit', { 'settle-time': '0s' })
      expect(result.exitCode).toBe(1)
      const drain = result.report?.drain as unknown as {
        bounced: string[]
        moved: unknown[]
        canary: { key: string; outcome: string }
      }
      expect(drain.canary.outcome).toBe('bounced')
      expect(drain.bounced).toEqual([drain.canary.key])
      expect(drain.moved).toEqual([])
      expect(sandbox.ingest.parked).toEqual([drain.canary.key])
      expect(result.state.ingested).toEqual([])
      // Every image is still parked: the bounced one as its new copy.
      expect(result.state.buckets[LOT]).toEqual(before.buckets[LOT])
      expect(result.report?.reason).toMatch(/came back into the parking lot/)
    })
  })

  it('waits settle-time after turning ingestion off, then moves everything', async () => {
    await withSandbox(cached(2), async (sandbox) => {
      const started = Date.now()
      const result = await run(sandbox, 'exit', { 'settle-time': '3s' })
      expect(result.exitCode).toBe(0)
      expect(Date.now() - started).toBeGreaterThan(3_000)
      expect(result.stdout).toMatch(/Settle: waiting 3s/)
      expect(sandbox.ingest.parked).toEqual([])
      expect(result.state.ingested).toHaveLength(30)
    })
  })

  it('skips the settle wait when the ingestion flag was already off', async () => {
    const off = cached(0)
    off.ssm['/images/maintenance-mode-prod'] = {
      type: 'String',
      value: 'false'
    }
    await withSandbox(off, async (sandbox) => {
      const result = await run(sandbox, 'exit')
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toMatch(
        /Settle: no wait \(the ingestion flag was not on/
      )
    })
  })

  it('reports copies ingestion never takes, keeps the originals parked, and stops', async () => {
    await withSandbox(cached(0), async (sandbox) => {
      sandbox.s3proxy.onObjectCreated.length = 0 // ingest-image is down
      const before = await sandbox.state()
      const result = await run(sandbox, 'exit', {
        'settle-time': '0s',
        'resume-timeout': '2s'
      })
      expect(result.exitCode).toBe(1)
      const drain = result.report?.drain as unknown as {
        notResumed: string[]
        canary: { key: string; outcome: string }
      }
      expect(drain.canary.outcome).toBe('not-resumed')
      expect(drain.notResumed).toEqual([drain.canary.key])
      expect(result.state.buckets[LOT]).toEqual(before.buckets[LOT])
      expect(result.state.buckets[INGESTION]).toEqual([drain.canary.key])
      expect(result.report?.reason).toMatch(
        /did not leave the ingestion bucket/
      )
    })
  })

  it('handles a DeleteObjects 200 that lists Errors key by key', async () => {
    await withSandbox(cached(0), async (sandbox) => {
      // The parking lot refuses to delete PICT* keys; the rest go.
      sandbox.s3proxy.beforeForward.push(async (op, req, res) => {
        if (op.name !== 'DeleteObjects') return false
        let body = ''
        for await (const chunk of req) body += String(chunk)
        const keys = [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map(
          (m) => m[1] ?? ''
        )
        const errors: string[] = []
        for (const key of keys) {
          if (key.startsWith('PICT')) {
            errors.push(
              `<Error><Key>${key}</Key><Code>AccessDenied</Code><Message>no</Message></Error>`
            )
          } else {
            await sandbox.s3.send(
              new DeleteObjectCommand({ Bucket: LOT, Key: decodeXml(key) })
            )
          }
        }
        res.writeHead(200, { 'content-type': 'application/xml' })
        res.end(
          `<?xml version="1.0"?><DeleteResult>${errors.join('')}</DeleteResult>`
        )
        return true
      })
      const result = await run(sandbox, 'exit', { 'settle-time': '0s' })
      expect(result.exitCode).toBe(1)
      const failed = (result.report?.drain?.failed ?? []).map((f) => f.key)
      expect(failed.sort()).toEqual(
        (sandbox.scenario.buckets[LOT] ?? [])
          .map((o) => o.key)
          .filter((k) => k.startsWith('PICT'))
          .sort()
      )
      for (const f of result.report?.drain?.failed ?? [])
        expect(f.error).toMatch(
          /not deleted from the parking lot: AccessDenied/
        )
      expect(result.report?.drain?.moved).toHaveLength(30 - failed.length)
      // canary + one batch, then one retry of the refused keys
      expect(sandbox.s3proxy.counts.get('DeleteObjects')).toBe(3)
    })
  })

  it('never reports a key with CR or LF moved while its original stays (emulator ignores EncodingType)', async () => {
    // fauxqs answers raw keys whatever EncodingType asks, so a CR comes
    // back as LF (XML 1.0), and it does not decode `&#x0A;` in a
    // DeleteObjects body: neither key can be moved here, and both must
    // be reported failed, not moved, and stay parked.
    await withSandbox(controlKeys(), async (sandbox) => {
      const result = await run(sandbox, 'exit', { 'settle-time': '0s' })
      expect(result.exitCode).toBe(1)
      const failed = new Map(
        (result.report?.drain?.failed ?? []).map((f) => [f.key, f.error])
      )
      expect(failed.get('line\nfeed.jpg')).toMatch(/still listed/)
      expect([...failed.keys()].some((k) => k.startsWith('carriage'))).toBe(
        true
      )
      const moved = (result.report?.drain?.moved ?? []).map((m) => m.key)
      expect(moved).not.toContain('line\nfeed.jpg')
      expect(moved).not.toContain('carriage\rreturn.jpg')
      expect(result.state.buckets[LOT]).toEqual(
        // The sandbox's own listing shows the CR key with LF, too.
        expect.arrayContaining(['line\nfeed.jpg', 'carriage\nreturn.jpg'])
      )
      for (const key of failed.keys())
        expect(result.state.buckets[LOT]).toContain(key)
      expect(moved).toContain('tab\there.jpg')
      expect(result.state.ingested).toContain('tab\there.jpg')
    })
  })

  it('moves a key with CR byte-exact when the listing is URL-encoded, as S3 does', async () => {
    await withSandbox(controlKeys(), async (sandbox) => {
      // Plays S3's EncodingType=url on fauxqs's listings.
      sandbox.s3proxy.beforeForward.push(async (op, req, res) => {
        if (op.name !== 'ListObjectsV2') return false
        if (!/[?&]encoding-type=url/.test(req.url ?? '')) return false
        const raw = await fetch(
          `http://127.0.0.1:${sandbox.fauxqs.port}${req.url ?? ''}`
        )
        res.writeHead(raw.status, { 'content-type': 'application/xml' })
        res.end(urlEncodeListing(await raw.text()))
        return true
      })
      const result = await run(sandbox, 'exit', { 'settle-time': '0s' })
      // ingest-image got the exact key with its CR ...
      expect(result.state.ingested).toContain('carriage\rreturn.jpg')
      expect(result.state.ingested).toContain('line\nfeed.jpg')
      expect(result.state.ingested).toContain('IMG 0001+plus.JPG')
      // ... but fauxqs did not delete either original, and the gate says
      // so instead of counting them moved.
      const failed = (result.report?.drain?.failed ?? []).map((f) => f.key)
      expect(failed.sort()).toEqual(['carriage\rreturn.jpg', 'line\nfeed.jpg'])
      expect(result.exitCode).toBe(1)
      const moved = (result.report?.drain?.moved ?? []).map((m) => m.key)
      expect(moved).toContain('IMG 0001+plus.JPG')
      expect(moved).toContain('tab\there.jpg')
    })
  })

  it('moves a single-part lot at no more than 1.01 requests per object', async () => {
    await withSandbox(lotOf(2_500), async (sandbox) => {
      sandbox.s3proxy.reset()
      const result = await run(sandbox, 'exit', { 'settle-time': '0s' })
      expect(result.exitCode).toBe(0)
      expect(result.report?.drain?.moved).toHaveLength(2_500)
      expect(result.state.ingested).toHaveLength(2_500)
      const counts = Object.fromEntries(sandbox.s3proxy.counts)
      const perObject = sandbox.s3proxy.total() / 2_500
      console.log(`requests per object: ${perObject.toFixed(4)}`, counts)
      expect(counts.CopyObject).toBe(2_500)
      expect(counts.HeadObject ?? 0).toBe(0)
      expect(perObject).toBeLessThanOrEqual(1.01)
    })
  }, 240_000)
})

/** A small lot with a tab, a line feed and a carriage return in keys. */
function controlKeys(): Scenario {
  const keys = [
    'IMG 0001+plus.JPG',
    'carriage\rreturn.jpg',
    'line\nfeed.jpg',
    'plain.jpg',
    'tab\there.jpg'
  ]
  const objects: ScenarioObject[] = keys.map((key) => ({
    key,
    size: 1_024,
    contentType: 'image/jpeg'
  }))
  const base = scenario('after-deploy')
  return { ...base, buckets: { [LOT]: objects, [INGESTION]: [] } }
}

// S3's url encoding-type: keys form-encoded (space as +), and said so.
function urlEncodeListing(xml: string): string {
  const encode = (text: string) =>
    encodeURIComponent(decodeXml(text)).replaceAll('%20', '+')
  return xml
    .replace(
      /<Key>([\s\S]*?)<\/Key>/g,
      (_, k: string) => `<Key>${encode(k)}</Key>`
    )
    .replace(
      /<StartAfter>([\s\S]*?)<\/StartAfter>/g,
      (_, k: string) => `<StartAfter>${encode(k)}</StartAfter>`
    )
    .replace(/(<ListBucketResult[^>]*>)/, '$1<EncodingType>url</EncodingType>')
}

function decodeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&')
}

describe('confirming a multipart copy', () => {
  const MULTIPART = 'RCNX0042 (1).JPG'

  it('takes a copy ingest-image has already taken (HeadObject 404) as confirmed', async () => {
    await withSandbox(cached(0), async (sandbox) => {
      sandbox.s3proxy.beforeForward.push((op, _req, res) => {
        if (op.name !== 'HeadObject' || op.bucket !== INGESTION) return false
        res.writeHead(404).end()
        return true
      })
      const result = await run(sandbox, 'exit', { 'settle-time': '0s' })
      expect(result.exitCode, result.report?.reason).toBe(0)
      const moved = result.report?.drain?.moved.map((m) => m.key)
      expect(moved).toContain(MULTIPART)
      expect(result.state.buckets[LOT]).not.toContain(MULTIPART)
    })
  })

  it('refuses a copy whose size differs, and keeps the original', async () => {
    await withSandbox(cached(0), async (sandbox) => {
      sandbox.s3proxy.beforeForward.push((op, _req, res) => {
        if (op.name !== 'HeadObject' || op.bucket !== INGESTION) return false
        res.writeHead(200, { 'content-length': '5', etag: '"x"' }).end()
        return true
      })
      const result = await run(sandbox, 'exit', { 'settle-time': '0s' })
      expect(result.exitCode).toBe(1)
      const failed = result.report?.drain?.failed ?? []
      expect(failed.map((f) => f.key)).toEqual([MULTIPART])
      expect(failed[0]?.error).toMatch(/copy has 5 bytes, source 11534336/)
      expect(result.state.buckets[LOT]).toContain(MULTIPART)
    })
  })
})
