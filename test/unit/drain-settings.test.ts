import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { parseSettings } from '../../src/settings'
import { identify } from '../../sandbox/s3-proxy'

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { default?: string }>
}

function parseWith(overrides: Record<string, string>) {
  const read = (name: string) =>
    ({ mode: 'exit', ...overrides })[name] ?? action.inputs[name]?.default ?? ''
  return parseSettings(read, {})
}

describe('drain inputs', () => {
  it('defaults to a 60s settle, 16 copies at once, no rate cap, 5m resume wait', () => {
    expect(parseWith({}).drain).toEqual({
      settleTimeMs: 60_000,
      concurrency: 16,
      maxRate: 0,
      resumeTimeoutMs: 300_000
    })
  })

  it('reads given values', () => {
    const drain = parseWith({
      'settle-time': '0s',
      concurrency: '100',
      'max-rate': '50',
      'resume-timeout': '90s'
    }).drain
    expect(drain).toEqual({
      settleTimeMs: 0,
      concurrency: 100,
      maxRate: 50,
      resumeTimeoutMs: 90_000
    })
  })

  it.each([
    [
      'concurrency',
      '0',
      /Input 'concurrency' is "0"; expected a whole number from 1 to 100/
    ],
    ['concurrency', '101', /from 1 to 100/],
    ['concurrency', '8.5', /whole number/],
    ['max-rate', '-1', /Input 'max-rate' is "-1"/],
    [
      'settle-time',
      'soon',
      /Input 'settle-time' is "soon"; expected a duration/
    ],
    ['resume-timeout', '7h', /Input 'resume-timeout' is "7h"/]
  ])('%s=%s fails in one line', (input, value, message) => {
    expect(() => parseWith({ [input]: value })).toThrow(message)
  })
})

describe('the S3 proxy names operations', () => {
  it.each([
    ['GET', '/lot?list-type=2&max-keys=1000', {}, 'ListObjectsV2'],
    ['POST', '/lot?delete', {}, 'DeleteObjects'],
    [
      'PUT',
      '/ing/a%20b.jpg',
      { 'x-amz-copy-source': 'lot/a%20b.jpg' },
      'CopyObject'
    ],
    ['PUT', '/ing/a.jpg', {}, 'PutObject'],
    ['POST', '/ing/a.jpg?uploads', {}, 'CreateMultipartUpload'],
    ['PUT', '/ing/a.jpg?partNumber=1&uploadId=x', {}, 'UploadPart'],
    ['POST', '/ing/a.jpg?uploadId=x', {}, 'CompleteMultipartUpload'],
    ['HEAD', '/ing/a.jpg', {}, 'HeadObject'],
    ['DELETE', '/ing/a.jpg', {}, 'DeleteObject'],
    ['GET', '/', {}, 'ListBuckets']
  ])('%s %s is %s', (method, url, headers, name) => {
    expect(identify(method, url, headers).name).toBe(name)
  })

  it('decodes bucket and key', () => {
    expect(identify('PUT', '/ing/site%2012/%C3%BC%2B1.jpg', {})).toMatchObject({
      bucket: 'ing',
      key: 'site 12/ü+1.jpg'
    })
  })
})
