// The drain's part of the report. In memory it holds counts and bounded
// samples; report.json gets every moved, held and failed entry, streamed
// from the spool files so the whole list is never in memory.
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import type { DrainResult, FailedEntry, HeldEntry, HoldReason } from './types'

export interface ReportDrain {
  dryRun: boolean
  /** In memory: empty. In report.json: every moved object. */
  moved: { key: string; size: number }[]
  /** In memory: the first 500 per reason. In report.json: all. */
  held: HeldEntry[]
  /** In memory: the first 500. In report.json: all. */
  failed: FailedEntry[]
  bytesMoved: number
  /** Exact, however long the lists: the lists above are samples. */
  counts: {
    moved: number
    held: Record<HoldReason, number>
    failed: number
    bounced: number
    notResumed: number
  }
  /** Held images per batch whose queue is gone: exact. */
  orphanedBatches: Record<string, number>
  bounced?: string[]
  /** The first 500 copies still in the ingestion bucket at resume-timeout. */
  notResumed?: string[]
  canary?: DrainResult['canary']
  stopped?: string
  /** Objects parked while the drain ran (a reader still parked). */
  parkedDuring?: number
  seconds?: number
  objectsPerSecond?: number
  /** Not written as such: the files moved, held and failed come from. */
  spool?: DrainResult['spool']
}

export function reportDrain(drain: DrainResult, dryRun: boolean): ReportDrain {
  return {
    dryRun,
    moved: [],
    held: drain.heldSample,
    failed: drain.failedSample,
    bytesMoved: drain.bytesMoved,
    counts: {
      moved: drain.moved,
      held: { ...drain.held },
      failed: drain.failed,
      bounced: drain.bounced.length,
      notResumed: drain.notResumed
    },
    orphanedBatches: drain.orphanedBatches,
    bounced: drain.bounced,
    notResumed: drain.notResumedSample,
    ...(drain.canary && { canary: drain.canary }),
    ...(drain.stopped && { stopped: drain.stopped }),
    ...(drain.parkedDuring !== undefined && {
      parkedDuring: drain.parkedDuring
    }),
    seconds: drain.seconds,
    objectsPerSecond:
      drain.seconds > 0 ? Math.round(drain.moved / drain.seconds) : 0,
    spool: drain.spool
  }
}

const MARK = '\u0000spool:'
const LISTS = ['moved', 'held', 'failed'] as const

/**
 * Writes `value` as JSON; a drain with spool files gets its moved, held
 * and failed arrays from them, line by line.
 */
export async function writeJsonStreaming(
  path: string,
  value: { drain?: ReportDrain }
): Promise<void> {
  const spool = value.drain?.spool
  const drain = value.drain && { ...value.drain }
  if (drain) {
    delete drain.spool
    for (const list of LISTS)
      if (spool) (drain as Record<string, unknown>)[list] = MARK + list
  }
  const text = JSON.stringify({ ...value, ...(drain && { drain }) }, null, 2)
  const out = createWriteStream(path)
  const pieces = text.split(/"\\u0000spool:(moved|held|failed)"/)
  for (let i = 0; i < pieces.length; i++) {
    if (i % 2 === 0) await write(out, pieces[i] ?? '')
    else await writeList(out, spool?.[pieces[i] as 'moved'] ?? '')
  }
  await write(out, '\n')
  out.end()
  await once(out, 'close')
}

async function writeList(
  out: NodeJS.WritableStream,
  file: string
): Promise<void> {
  await write(out, '[')
  let first = true
  if (file && existsSync(file)) {
    const lines = createInterface({ input: createReadStream(file) })
    for await (const line of lines) {
      if (!line) continue
      await write(out, `${first ? '' : ','}\n    ${line}`)
      first = false
    }
  }
  await write(out, first ? ']' : '\n  ]')
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain')
}
