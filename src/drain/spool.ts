// Moved, held and failed entries go to JSONL files as they happen, so a
// drain of any size keeps only counts and bounded samples in memory; the
// report writer streams the files into report.json.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import {
  SAMPLE,
  type DrainResult,
  type FailedEntry,
  type HeldEntry,
  type HoldReason
} from './types'

/** Objects held, whatever the reason. */
export function heldTotal(held: Readonly<Record<HoldReason, number>>): number {
  return Object.values(held).reduce((a, b) => a + b, 0)
}

export function emptyDrain(spoolDir: string): DrainResult {
  return {
    moved: 0,
    bytesMoved: 0,
    held: { 'folder-marker': 0, unsupported: 0, 'orphaned-batch': 0 },
    failed: 0,
    heldSample: [],
    orphanedBatches: {},
    failedSample: [],
    bounced: [],
    notResumed: 0,
    notResumedSample: [],
    seconds: 0,
    spool: {
      moved: join(spoolDir, 'moved.jsonl'),
      held: join(spoolDir, 'held.jsonl'),
      failed: join(spoolDir, 'failed.jsonl')
    }
  }
}

export class Spool {
  private readonly files: Record<'moved' | 'held' | 'failed', WriteStream>
  private readonly heldShown = new Map<string, number>()

  constructor(private readonly result: DrainResult) {
    mkdirSync(join(result.spool.moved, '..'), { recursive: true })
    this.files = {
      moved: createWriteStream(result.spool.moved),
      held: createWriteStream(result.spool.held),
      failed: createWriteStream(result.spool.failed)
    }
  }

  moved(key: string, size: number): void {
    this.result.moved++
    this.result.bytesMoved += size
    this.files.moved.write(JSON.stringify({ key, size }) + '\n')
  }

  held(entry: HeldEntry): void {
    const r = this.result
    r.held[entry.reason]++
    if (entry.batchId) {
      r.orphanedBatches[entry.batchId] =
        (r.orphanedBatches[entry.batchId] ?? 0) + 1
    }
    const shown = this.heldShown.get(entry.reason) ?? 0
    if (shown < SAMPLE) {
      this.heldShown.set(entry.reason, shown + 1)
      r.heldSample.push(entry)
    }
    this.files.held.write(JSON.stringify(entry) + '\n')
  }

  failed(entry: FailedEntry): void {
    this.result.failed++
    if (this.result.failedSample.length < SAMPLE)
      this.result.failedSample.push(entry)
    this.files.failed.write(JSON.stringify(entry) + '\n')
  }

  notResumed(key: string): void {
    this.result.notResumed++
    if (this.result.notResumedSample.length < SAMPLE)
      this.result.notResumedSample.push(key)
  }

  async close(): Promise<void> {
    await Promise.all(
      Object.values(this.files).map(
        (file) => new Promise<void>((done) => file.end(done))
      )
    )
  }
}
