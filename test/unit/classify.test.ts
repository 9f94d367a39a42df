import { describe, expect, it } from 'vitest'
import { classify, phaseOf, type Observation } from '../../src/classify'
import type { InFlightJob } from '../../src/sources/batch-jobs'
import type { BatchRecord } from '../../src/sources/batch-records'
import type { QueueDepth } from '../../src/sources/batch-queues'

const NOW = new Date('2026-11-20T18:00:00Z')
const DAY = 86_400_000
const ago = (ms: number) => new Date(NOW.getTime() - ms)
const HOUR = 3_600_000

function batch(id: string, fields: Partial<BatchRecord> = {}): BatchRecord {
  return { id, created: ago(HOUR), ...fields }
}

function job(
  batchId: string | null,
  status = 'RUNNING',
  jobId = `job-${batchId}`
): InFlightJob {
  return { jobId, jobName: 'process-batch', status, batchId }
}

function observe(parts: Partial<Observation>): Observation {
  return {
    batches: [],
    withErrors: new Set(),
    jobs: [],
    queues: new Map(),
    ...parts
  }
}

function statusOf(seen: Observation) {
  return Object.fromEntries(
    classify(seen, NOW, DAY).map((f) => [f.id, f.status])
  )
}

describe('phaseOf', () => {
  it('is the first missing step, or stopping', () => {
    const t = ago(HOUR)
    expect(phaseOf(batch('a'))).toBe('uploading')
    expect(phaseOf(batch('a', { uploadComplete: t }))).toBe('starting')
    expect(phaseOf(batch('a', { uploadComplete: t, processingStart: t }))).toBe(
      'unzipping'
    )
    expect(
      phaseOf(
        batch('a', {
          uploadComplete: t,
          processingStart: t,
          ingestionComplete: t
        })
      )
    ).toBe('inferring')
    expect(
      phaseOf(batch('a', { uploadComplete: t, stoppingInitiated: t }))
    ).toBe('stopping')
  })
})

describe('classify', () => {
  it('blocks a batch with an unfinished job, whatever else is true', () => {
    const old = batch('a', { created: ago(3 * DAY) })
    const seen = observe({
      batches: [old],
      withErrors: new Set(['a']),
      jobs: [job('a', 'RUNNABLE')]
    })
    const [finding] = classify(seen, NOW, DAY)
    expect(finding).toMatchObject({
      id: 'a',
      status: 'blocking',
      jobs: [{ status: 'RUNNABLE' }]
    })
  })

  it('reports a batch with a batch error as failed', () => {
    expect(
      statusOf(observe({ batches: [batch('a')], withErrors: new Set(['a']) }))
    ).toEqual({
      a: 'failed'
    })
  })

  it('reports an old batch with an empty or missing queue as stalled', () => {
    const empty: QueueDepth = { exists: true, visible: 0, inFlight: 0 }
    const seen = observe({
      batches: [
        batch('gone', { created: ago(2 * DAY) }),
        batch('empty', { created: ago(2 * DAY) })
      ],
      queues: new Map<string, QueueDepth>([
        ['gone', { exists: false }],
        ['empty', empty]
      ])
    })
    expect(statusOf(seen)).toEqual({ gone: 'stalled', empty: 'stalled' })
  })

  it('blocks an old batch whose queue still holds messages, visible or in flight', () => {
    const seen = observe({
      batches: [
        batch('v', { created: ago(2 * DAY) }),
        batch('f', { created: ago(2 * DAY) })
      ],
      queues: new Map<string, QueueDepth>([
        ['v', { exists: true, visible: 3, inFlight: 0 }],
        ['f', { exists: true, visible: 0, inFlight: 1 }]
      ])
    })
    expect(statusOf(seen)).toEqual({ v: 'blocking', f: 'blocking' })
  })

  it('ages a batch by its most recent step, not its creation', () => {
    const seen = observe({
      batches: [
        batch('recent', {
          created: ago(3 * DAY),
          uploadComplete: ago(3 * DAY),
          stoppingInitiated: ago(HOUR)
        })
      ]
    })
    expect(statusOf(seen)).toEqual({ recent: 'blocking' })
  })

  it('uses stale-after exactly: older than, not equal to', () => {
    const seen = observe({ batches: [batch('edge', { created: ago(DAY) })] })
    expect(statusOf(seen)).toEqual({ edge: 'blocking' })
    expect(classify(seen, new Date(NOW.getTime() + 1), DAY)[0]?.status).toBe(
      'stalled'
    )
  })

  it('blocks a job without a batch record or without a batch, by its job id', () => {
    const seen = observe({
      batches: [batch('known')],
      jobs: [
        job('batch-unknown', 'RUNNING', 'j1'),
        job(null, 'SUBMITTED', 'j2'),
        job('known', 'STARTING', 'j3')
      ]
    })
    const findings = classify(seen, NOW, DAY)
    expect(findings.map((f) => [f.id, f.status])).toEqual([
      ['known', 'blocking'],
      ['j1', 'blocking'],
      ['j2', 'blocking']
    ])
    expect(findings[1]?.reason).toContain('no unfinished record')
    expect(findings[2]?.reason).toContain('names no batch')
  })
})
