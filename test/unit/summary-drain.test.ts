import { describe, expect, it } from 'vitest'
import type { ReportDrain } from '../../src/report'
import { bytes, drainSection } from '../../src/summary-drain'

const ORPHAN = 'batch-0b6f2d4e-1c1a-4f6e-9a57-2f0d8f1f0c11'
const OTHER = 'batch-7c1e4b2a-5d3f-4e8a-9b6c-1a2b3c4d5e6f'

function drain(over: Partial<ReportDrain> = {}): ReportDrain {
  return {
    dryRun: false,
    moved: [],
    held: [],
    failed: [],
    bytesMoved: 0,
    orphanedBatches: {},
    bounced: [],
    notResumed: [],
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

describe('parking lot section', () => {
  it('shows exact counts, the rate, bytes and the canary', () => {
    const text = drainSection(
      drain({
        bytesMoved: 25_165_824,
        seconds: 20,
        canary: { key: 'IMG 0001.JPG', outcome: 'ingested' },
        counts: {
          moved: 10_000,
          held: { 'folder-marker': 0, unsupported: 3, 'orphaned-batch': 0 },
          failed: 0,
          bounced: 0,
          notResumed: 0
        }
      })
    )
    expect(text).toContain('| moved | 10,000 |')
    expect(text).toContain('| held: not an image | 3 |')
    expect(text).toContain('| bytes moved | 24.0 MiB (25,165,824 bytes) |')
    expect(text).toContain('| rate | 500 objects/s |')
    expect(text).toContain(
      '| canary | `IMG 0001.JPG`: ingested, so the rest followed |'
    )
    expect(text).not.toContain('folder marker')
  })

  it('lists orphaned keys under their batch, counted exactly', () => {
    const text = drainSection(
      drain({
        // 1,201 held in all; the sample has 2 of ORPHAN's, 1 of OTHER's.
        held: [
          { key: `${ORPHAN}/a.jpg`, reason: 'orphaned-batch', batchId: ORPHAN },
          { key: `${ORPHAN}/b.jpg`, reason: 'orphaned-batch', batchId: ORPHAN },
          { key: `${OTHER}/c.jpg`, reason: 'orphaned-batch', batchId: OTHER }
        ],
        orphanedBatches: { [ORPHAN]: 1_200, [OTHER]: 1 },
        counts: {
          moved: 5,
          held: { 'folder-marker': 0, unsupported: 0, 'orphaned-batch': 1_201 },
          failed: 0,
          bounced: 0,
          notResumed: 0
        }
      })
    )
    expect(text).toContain('| held: batch queue gone | 1,201 (2 batches) |')
    expect(text).toContain('Held, batch queue gone (1,201 images of 2 batches)')
    expect(text).toContain(
      `- \`${ORPHAN}\`: 1,200 images, queue gone\n  - \`${ORPHAN}/a.jpg\`\n  - \`${ORPHAN}/b.jpg\`\n  - …and 1,198 more`
    )
    expect(text).toContain(
      `- \`${OTHER}\`: 1 image, queue gone\n  - \`${OTHER}/c.jpg\``
    )
    expect(text).toContain('First 3 of 1,201 shown')
  })

  it('says "1 batch", not "1 batches"', () => {
    const text = drainSection(
      drain({
        orphanedBatches: { [ORPHAN]: 1 },
        held: [
          { key: `${ORPHAN}/a.jpg`, reason: 'orphaned-batch', batchId: ORPHAN }
        ],
        counts: {
          moved: 0,
          held: { 'folder-marker': 0, unsupported: 0, 'orphaned-batch': 1 },
          failed: 0,
          bounced: 0,
          notResumed: 0
        }
      })
    )
    expect(text).toContain('(1 image of 1 batch)')
    expect(text).toContain('| 1 (1 batch) |')
    expect(text).not.toMatch(/1 batches/)
  })

  it('lists bounced, not-resumed and failed keys with their exact totals', () => {
    const text = drainSection(
      drain({
        bounced: ['back.jpg'],
        notResumed: ['slow.jpg'],
        failed: [{ key: 'x.jpg', error: 'copy failed: <AccessDenied>' }],
        stopped: 'ingestion is still in maintenance',
        canary: { key: 'back.jpg', outcome: 'bounced' },
        counts: {
          moved: 0,
          held: { 'folder-marker': 0, unsupported: 0, 'orphaned-batch': 0 },
          failed: 700,
          bounced: 1,
          notResumed: 2
        }
      })
    )
    expect(text).toContain('Stopped moving: ingestion is still in maintenance')
    expect(text).toContain('<summary>Bounced back (1)</summary>')
    expect(text).toContain('- `back.jpg`')
    expect(text).toContain('<summary>Not ingested in time (2)</summary>')
    expect(text).toContain('First 1 of 2 shown')
    expect(text).toContain('<summary>Failed (700)</summary>')
    expect(text).toContain('- `x.jpg`: copy failed: &lt;AccessDenied&gt;')
    expect(text).toContain('First 1 of 700 shown')
    expect(text).toContain(
      '| canary | `back.jpg`: came back: ingestion is still in maintenance |'
    )
  })

  it('says "would move" in a dry run and shows no rate', () => {
    const text = drainSection(
      drain({ dryRun: true, seconds: 1, counts: { moved: 4 } as never })
    )
    expect(text).toContain('| would move | 4 |')
    expect(text).not.toContain('rate')
  })
})

describe('bytes', () => {
  it('reads as a person would', () => {
    expect(bytes(0)).toBe('0 bytes')
    expect(bytes(1)).toBe('1 byte')
    expect(bytes(1_023)).toBe('1,023 bytes')
    expect(bytes(1_536)).toBe('1.5 KiB (1,536 bytes)')
    expect(bytes(3 * 1_024 ** 3)).toBe('3.0 GiB (3,221,225,472 bytes)')
  })
})
