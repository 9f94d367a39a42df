// Each source the in-flight check reads, made unreachable: check and enter
// fail closed, name the source, write no ingestion flag, and end by
// themselves within a bounded time (the SDK's retries, MongoDB's server
// selection timeout, or the run's `timeout`).
import { describe, expect, it } from 'vitest'
import type { Sandbox } from '../../sandbox/sandbox'
import { run, scenario, withSandbox } from './harness'

type Breaker = (sandbox: Sandbox) => void

const SOURCES: [string, Breaker, RegExp][] = [
  [
    'ssm',
    (s) => {
      s.faults.rules = [
        { service: 'ssm', operation: 'GetParameters', rate: 1, fault: 'error' }
      ]
    },
    /\(ssm\)/
  ],
  ['mongodb', (s) => void (s.mongo.down = true), /\(mongodb\)/],
  [
    'batch',
    (s) => {
      s.faults.rules = [
        { service: 'batch', operation: '*', rate: 1, fault: 'throttle' }
      ]
    },
    /\(batch\)/
  ],
  [
    'sqs',
    (s) => {
      s.faults.rules = [
        { service: 'sqs', operation: '*', rate: 1, fault: 'reset' }
      ]
    },
    /\(sqs\)/
  ]
]

const BOUND_MS = 30_000

describe.concurrent('a source that cannot be read', () => {
  for (const mode of ['check', 'enter']) {
    it.each(SOURCES)(
      `${mode} fails naming %s, in bounded time`,
      async (_, breakIt, names) => {
        await withSandbox(scenario('before-deploy'), async (sandbox) => {
          breakIt(sandbox)
          const started = Date.now()
          const result = await run(sandbox, mode, {})
          expect(Date.now() - started).toBeLessThan(BOUND_MS)
          expect(result.timedOut).toBe(false)
          expect(result.exitCode).toBe(1)
          expect(result.report?.verdict).toBe('error')
          expect(result.report?.reason).toMatch(names)
          expect(result.state.ssm['/images/maintenance-mode-prod']).toBe(
            'false'
          )
        })
      }
    )
  }

  it('a slow MongoDB is cut off by timeout, named', async () => {
    await withSandbox(scenario('before-deploy'), async (sandbox) => {
      sandbox.mongo.latencyMs = 120_000
      const started = Date.now()
      const result = await run(sandbox, 'enter', { timeout: '3s' })
      expect(Date.now() - started).toBeLessThan(BOUND_MS)
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(
        /Timed out after 3s \(input 'timeout'\)/
      )
      expect(result.state.ssm['/images/maintenance-mode-prod']).toBe('false')
    })
  })
})
