import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Report, ReportBatch } from '../../src/report'

// The summary and annotations go through @actions/core: record them.
const core = vi.hoisted(() => ({
  written: [] as string[],
  warning: vi.fn(),
  error: vi.fn()
}))
vi.mock('@actions/core', () => {
  const summary = {
    emptyBuffer: () => summary,
    addRaw: (text: string) => {
      core.written.push(text)
      return summary
    },
    write: async () => summary
  }
  return { summary, warning: core.warning, error: core.error }
})

const { annotate, MAX_PER_KIND, notices } =
  await import('../../src/annotations')
const { fitSummary, renderSummary, summarySections, writeSummary } =
  await import('../../src/summary')

function batch(over: Partial<ReportBatch> = {}): ReportBatch {
  return {
    id: 'batch-7c1e4b2a-5d3f-4e8a-9b6c-1a2b3c4d5e6f',
    phase: 'unzipping',
    status: 'blocking',
    reason: 'zip job RUNNING',
    projectId: 'island_fox',
    ageSeconds: 1_500,
    queue: { exists: true, visible: 48, inFlight: 6 },
    jobs: [{ jobId: 'job-1', status: 'RUNNING' }],
    ...over
  }
}

function report(over: Partial<Report> = {}): Report {
  return {
    mode: 'check',
    stage: 'prod',
    dryRun: false,
    verdict: 'pass',
    reason: 'Nothing is in flight',
    startedAt: '2026-11-22T08:00:00.000Z',
    finishedAt: '2026-11-22T08:00:03.000Z',
    run: { workflow: 'deploy', actor: 'octocat' },
    resources: { batchJobQueue: 'animl-batch-ingestion-prod' },
    flags: [
      {
        role: 'frontend',
        name: '/frontend/maintenance-mode-prod',
        before: 'false',
        after: 'false',
        changed: false
      }
    ],
    batches: [],
    rounds: 1,
    errors: [],
    ...over
  }
}

type Drain = NonNullable<Report['drain']>

// The drain report's lists are samples; its counts are exact.
function drain(over: Partial<Drain> = {}): Drain {
  return {
    moved: [],
    held: [],
    failed: [],
    bytesMoved: 0,
    dryRun: false,
    orphanedBatches: {},
    ...over,
    counts: {
      moved: 0,
      held: { 'folder-marker': 0, unsupported: 0, 'orphaned-batch': 0 },
      failed: 0,
      bounced: 0,
      notResumed: 0,
      ...over.counts
    }
  }
}

beforeEach(() => {
  core.written.length = 0
  core.warning.mockClear()
  core.error.mockClear()
})

describe('job summary', () => {
  it('opens with the verdict, the reason, the state and the next step', () => {
    const text = renderSummary(report())
    const lines = text.split('\n').filter(Boolean)
    expect(lines[0]).toBe('## ✅ Pass: `check` on `prod`')
    expect(lines[1]).toBe('**Nothing is in flight**')
    expect(lines[2]).toBe('Now: Frontend **🟢 open**')
    expect(lines[3]).toBe('➡️ `enter` can close Animl for a deploy now.')
    expect(text).toContain('Nothing: no batch is being uploaded or unzipped.')
    expect(text).not.toContain('Needs attention')
  })

  it('tables the blocking batches with queue depth and Batch job status', () => {
    const text = renderSummary(
      report({
        verdict: 'blocked',
        reason: '1 still in flight: 1 batch',
        batches: [batch()],
        rounds: 3
      })
    )
    expect(text).toContain('### In flight (1)')
    expect(text).toContain(
      '| `batch-7c1e4b2a-5d3f-4e8a-9b6c-1a2b3c4d5e6f` | island_fox | unzipping | 25m | 48 waiting, 6 in flight | RUNNING `job-1` | zip job RUNNING |'
    )
    expect(text).toContain('Checked 3 times while waiting.')
    expect(text).toContain('➡️ Wait for the batches below')
  })

  it('folds stalled and failed batches away, and counts them up top', () => {
    const text = renderSummary(
      report({
        batches: [
          batch({ status: 'stalled', queue: { exists: false }, jobs: [] }),
          batch({ id: 'batch-2', status: 'failed', queue: null, jobs: [] })
        ]
      })
    )
    expect(text).toContain(
      '<details><summary>Stalled batches (1): reported, not blocking</summary>'
    )
    expect(text).toContain('| gone | — |')
    expect(text).toContain('> - 1 stalled batch (not blocking)')
    expect(text).toContain('> - 1 failed batch (not blocking)')
  })

  it('says what a dry run would change', () => {
    const text = renderSummary(
      report({
        mode: 'enter',
        dryRun: true,
        flags: [
          {
            role: 'api',
            name: '/api/maintenance-mode-prod',
            before: 'false',
            after: 'false',
            changed: false,
            wouldBecome: 'true'
          }
        ]
      })
    )
    expect(text).toContain('🧪 **Dry run**')
    expect(text).toContain('After a real run: API **🚧 in maintenance**')
    expect(text).toContain(
      '| API | `/api/maintenance-mode-prod` | `false` | `true` | would be turned on (dry run) |'
    )
  })

  it('shows flags turned, absent, and errors other than the reason', () => {
    const text = renderSummary(
      report({
        mode: 'exit',
        verdict: 'error',
        reason: 'Could not set flag api',
        errors: ['Could not set flag api', 'also <this>'],
        flags: [
          {
            role: 'ingestion',
            name: '/images/maintenance-mode-prod',
            before: 'true',
            after: 'false',
            changed: true
          },
          {
            role: 'api',
            name: '/api/maintenance-mode-prod',
            before: null,
            after: null,
            changed: false
          }
        ],
        rounds: undefined
      })
    )
    expect(text).toContain('## ❌ Error: `exit` on `prod`')
    expect(text).toContain('| `true` | `false` | **turned off** |')
    expect(text).toContain('| *absent* | *absent* | unchanged |')
    expect(text).toContain('API **❔ no flag**')
    expect(text).toContain('### Errors\n\n- also &lt;this&gt;')
    expect(text).not.toContain('- Could not set flag api')
    expect(text).not.toContain('In flight')
  })

  it('puts the run details last, folded', () => {
    const sections = summarySections(report())
    const last = sections[sections.length - 1] ?? ''
    expect(last).toMatch(/^<details><summary>Run details<\/summary>/)
    expect(last).toContain('| took | 3s |')
    expect(last).toContain('| started by | octocat |')
    expect(last).toContain('| batchJobQueue | `animl-batch-ingestion-prod` |')
  })

  it('counts held images and failed moves of the drain up top', () => {
    const text = renderSummary(
      report({
        mode: 'exit',
        rounds: undefined,
        drain: drain({
          held: [
            { key: 'batch-1/a.jpg', reason: 'orphaned-batch', batchId: 'b-1' },
            { key: 'notes.txt', reason: 'unsupported' }
          ],
          // 1,200 held of one batch and 40 failures, one of each sampled.
          orphanedBatches: { 'b-1': 1_200 },
          failed: [{ key: 'x.jpg', error: 'AccessDenied' }],
          counts: {
            moved: 0,
            held: {
              'folder-marker': 0,
              unsupported: 1,
              'orphaned-batch': 1_200
            },
            failed: 40,
            bounced: 0,
            notResumed: 0
          }
        })
      })
    )
    expect(text).toContain(
      '> - images of 1 batch held in the parking lot: the batch queue is gone'
    )
    expect(text).toContain('> - 40 objects could not be moved and stay parked')
    expect(text).toContain('### Parking lot')
  })
})

describe('the 1 MiB limit', () => {
  it('keeps every section when they fit', () => {
    expect(fitSummary(['a', 'b'], 1_000)).toBe('a\nb')
  })

  it('keeps whole sections in order, and says how many were cut', () => {
    const text = fitSummary(['head', 'x'.repeat(200), 'tail'], 190)
    expect(text.startsWith('head\n')).toBe(true)
    expect(text).not.toContain('xxx')
    expect(text).not.toContain('tail')
    expect(text).toContain('2 of 3 sections were left out')
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(190)
  })

  it('cuts a huge real summary under the limit and keeps the verdict', async () => {
    // Rows are capped at 200 a table, so make each one big.
    const long = 'k'.repeat(6_000)
    const many = Array.from({ length: 3_000 }, (_, i) =>
      batch({ id: `batch-${i}`, status: 'stalled', reason: long })
    )
    const big = report({ verdict: 'blocked', reason: 'busy', batches: many })
    await writeSummary(big)
    const written = core.written[0] ?? ''
    expect(Buffer.byteLength(renderSummary(big))).toBeGreaterThan(1_048_576)
    expect(Buffer.byteLength(written)).toBeLessThan(1_000_000)
    expect(written).toMatch(/^## ⛔ Blocked/)
    expect(written).toContain('The JSON report has every entry.')
  })
})

describe('annotations', () => {
  it('warns about stalled and orphaned, errors on objects not moved', () => {
    annotate(
      notices(
        report({
          batches: [batch({ status: 'stalled' })],
          drain: drain({
            dryRun: true,
            held: [
              { key: 'a', reason: 'orphaned-batch', batchId: 'b-1' },
              { key: 'b', reason: 'orphaned-batch', batchId: 'b-1' }
            ],
            orphanedBatches: { 'b-1': 2 },
            failed: [{ key: 'x.jpg', error: 'AccessDenied' }],
            counts: {
              moved: 0,
              held: { 'folder-marker': 0, unsupported: 0, 'orphaned-batch': 2 },
              failed: 1,
              bounced: 0,
              notResumed: 0
            }
          })
        })
      )
    )
    expect(core.warning.mock.calls).toEqual([
      [
        'batch-7c1e4b2a-5d3f-4e8a-9b6c-1a2b3c4d5e6f (project island_fox, unzipping, last step 25m ago): zip job RUNNING. It does not block the deploy; look at it in Animl.',
        { title: 'Stalled batch' }
      ],
      [
        '2 images of b-1 would stay in the parking lot: its SQS queue is gone, so inference would fail.',
        { title: 'Images held, batch queue gone' }
      ]
    ])
    expect(core.error.mock.calls).toEqual([
      [
        'x.jpg: AccessDenied. It is still in the parking lot; run exit again.',
        { title: 'Object not moved' }
      ]
    ])
  })

  it('raises at most ten of a kind, then one count', () => {
    const failed = Array.from({ length: 25 }, (_, i) => ({
      key: `k${i}.jpg`,
      error: 'SlowDown'
    }))
    // The report samples the failures; the total comes from its counts.
    const counts = {
      moved: 0,
      held: { 'folder-marker': 0, unsupported: 0, 'orphaned-batch': 0 },
      failed: 1_000,
      bounced: 0,
      notResumed: 0
    }
    annotate(notices(report({ drain: drain({ failed, counts }) })))
    expect(core.error).toHaveBeenCalledTimes(MAX_PER_KIND + 1)
    expect(core.error.mock.calls.at(-1)?.[0]).toBe(
      '…and 990 more objects not moved: see the job summary and the JSON report.'
    )
    expect(core.warning).not.toHaveBeenCalled()
  })

  it('raises nothing on a quiet day', () => {
    annotate(notices(report()))
    expect(core.warning).not.toHaveBeenCalled()
    expect(core.error).not.toHaveBeenCalled()
  })
})
