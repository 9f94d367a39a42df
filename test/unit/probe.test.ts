// Issue #6 inputs: probes, status object, sign-out; and one probe against
// a throwaway local endpoint.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { InputError } from '../../src/errors'
import { awaitInEffect, parseProbe, pick } from '../../src/probe'
import { parseSettings } from '../../src/settings'

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { default?: string }>
}

function parseWith(overrides: Record<string, string>) {
  return parseSettings(
    (name) =>
      ({ mode: 'enter', ...overrides })[name] ??
      action.inputs[name]?.default ??
      '',
    {}
  )
}

const OK = '{"url": "https://api.example.org/", "whenOn": {"status": 503}}'

describe('probe inputs', () => {
  it('are off by default, with a 5 minute timeout', () => {
    const settings = parseWith({})
    expect(settings.probes).toEqual({})
    expect(settings.probeTimeoutMs).toBe(5 * 60_000)
    expect(settings.statusObject).toBeUndefined()
    expect(settings.signOut).toBeUndefined()
  })

  it('parse a one-line JSON spec per flag', () => {
    const settings = parseWith({
      'api-probe': JSON.stringify({
        url: 'https://api.example.org/graphql',
        method: 'post',
        body: '{"query":"mutation { x }"}',
        headers: { authorization: 'Bearer t' },
        whenOn: { json: 'errors.0.extensions.code', equals: 'MAINTENANCE' },
        whenOff: { status: 200 }
      })
    })
    expect(settings.probes.api).toEqual({
      url: 'https://api.example.org/graphql',
      method: 'POST',
      body: '{"query":"mutation { x }"}',
      headers: { authorization: 'Bearer t' },
      whenOn: { json: 'errors.0.extensions.code', equals: 'MAINTENANCE' },
      whenOff: { status: 200 }
    })
  })

  it.each([
    ['{', 'not JSON'],
    ['[]', 'not a JSON object'],
    ['{"whenOn": {"status": 503}}', 'url is required'],
    ['{"url": "ftp://x/", "whenOn": {"status": 503}}', 'url must be http'],
    [
      '{"url": "https://u:p@x/", "whenOn": {"status": 503}}',
      'url must not hold credentials'
    ],
    ['{"url": "https://x/"}', 'give whenOn, whenOff or both'],
    ['{"url": "https://x/", "whenOn": {}}', 'needs status, or json and equals'],
    [
      '{"url": "https://x/", "whenOn": {"json": "a.b"}}',
      'needs json and equals together'
    ],
    [
      '{"url": "https://x/", "whenOn": {"status": 99}}',
      'must be an HTTP status'
    ],
    [
      '{"url": "https://x/", "method": "TRACE", "whenOn": {"status": 503}}',
      'method must be one of'
    ],
    [
      '{"url": "https://x/", "headers": {"a": 1}, "whenOn": {"status": 503}}',
      'header a is not a string'
    ]
  ])('refuse %s in one line naming the input', (text, what) => {
    expect(() => parseProbe('api-probe', text)).toThrow(InputError)
    expect(() => parseProbe('api-probe', text)).toThrow(
      new RegExp(
        `^Input 'api-probe' cannot be used: .*${what}.*; value not shown\\.$`
      )
    )
  })

  it('never repeat a header value in an error', () => {
    const text =
      '{"url": "https://x/", "headers": {"authorization": "Bearer SECRET"}, "whenOn": {"status": 7}}'
    expect(() => parseProbe('api-probe', text)).toThrow(/^(?!.*SECRET)/)
  })

  it('refuse a probe-timeout under a second', () => {
    expect(() => parseWith({ 'probe-timeout': '0' })).toThrow(
      /^Input 'probe-timeout' is "0"/
    )
    expect(parseWith({ 'frontend-probe': OK }).probes.frontend?.url).toBe(
      'https://api.example.org/'
    )
  })
})

describe('pick', () => {
  it('follows dotted paths through objects and arrays', () => {
    const body = { errors: [{ extensions: { code: 'MAINTENANCE' } }] }
    expect(pick(body, 'errors.0.extensions.code')).toBe('MAINTENANCE')
    expect(pick(body, 'errors.1.extensions')).toBeUndefined()
    expect(pick('text', 'a')).toBeUndefined()
  })
})

describe('status object and sign-out inputs', () => {
  it('read an s3 location, a message and an expected end', () => {
    const settings = parseWith({
      'status-object': 's3://animl-frontend-prod/status/maintenance.json',
      'status-message': 'Back soon',
      'expected-end': '2025-06-01T18:00:00Z'
    })
    expect(settings.statusObject).toEqual({
      bucket: 'animl-frontend-prod',
      key: 'status/maintenance.json',
      message: 'Back soon',
      expectedEnd: { at: new Date('2025-06-01T18:00:00Z') }
    })
    expect(
      parseWith({ 'status-object': 's3://b-prod/k', 'expected-end': '1h30m' })
        .statusObject?.expectedEnd
    ).toEqual({ afterMs: 90 * 60_000 })
  })

  it.each([
    ['status-object', 'https://x/y'],
    ['status-object', 's3://Bucket/key'],
    ['status-object', 's3://bucket-only'],
    ['expected-end', 'tomorrow'],
    ['sign-out-user-pool', 'not a pool'],
    ['sign-out-rate', '0'],
    ['sign-out-rate', '51']
  ])('refuse %s %j', (input, value) => {
    const given = { 'status-object': 's3://b-prod/k', [input]: value }
    expect(() => parseWith(given)).toThrow(new RegExp(`^Input '${input}'`))
  })

  it('read a user pool and a rate', () => {
    expect(
      parseWith({
        'sign-out-user-pool': 'us-west-2_AbC123',
        'sign-out-rate': '5'
      }).signOut
    ).toEqual({ userPool: 'us-west-2_AbC123', rate: 5 })
  })
})

describe('awaitInEffect', () => {
  it('polls until the answer shows the flag, then says how long it took', async () => {
    let calls = 0
    const server = createServer((_req, res) => {
      calls++
      res.writeHead(calls < 3 ? 200 : 503).end('{}')
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const { port } = server.address() as AddressInfo
    let now = 0
    const clock = {
      now: () => new Date(now),
      sleep: async (ms: number) => {
        now += ms
      }
    }
    try {
      const spec = parseProbe(
        'api-probe',
        JSON.stringify({
          url: `http://127.0.0.1:${port}/`,
          whenOn: { status: 503 },
          whenOff: { status: 200 }
        })
      )
      const plan = { timeoutMs: 60_000, intervalMs: 5_000, dryRun: false }
      const on = await awaitInEffect('api', spec, 'true', plan, clock)
      expect(on).toEqual({
        status: 'passed',
        attempts: 3,
        seconds: 10,
        detail: 'status 503'
      })
      const off = await awaitInEffect(
        'api',
        spec,
        'false',
        { ...plan, timeoutMs: 12_000 },
        clock
      )
      expect(off).toMatchObject({ status: 'failed', attempts: 4 })
      const skipped = await awaitInEffect('api', undefined, 'true', plan, clock)
      expect(skipped.status).toBe('skipped')
    } finally {
      server.close()
    }
  })
})
