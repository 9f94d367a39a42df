// A log line every few seconds while the drain runs.
import * as core from '@actions/core'
import { formatDuration } from '../duration'
import { heldTotal } from './spool'
import type { DrainResult } from './types'

const EVERY_MS = 5_000

export interface Progress {
  /** Objects in the parking lot, once a counting pass has seen them all. */
  total: number | undefined
  inFlight: () => number
  stop(): void
}

export function startProgress(result: DrainResult): Progress {
  const started = Date.now()
  const progress: Progress = {
    total: undefined,
    inFlight: () => 0,
    stop: () => clearInterval(timer)
  }
  const timer = setInterval(() => {
    core.info(progressLine(result, progress, Date.now() - started))
  }, EVERY_MS)
  timer.unref()
  return progress
}

export function progressLine(
  result: DrainResult,
  progress: Pick<Progress, 'total' | 'inFlight'>,
  elapsedMs: number
): string {
  const held = heldTotal(result.held)
  const done = result.moved + held + result.failed + result.bounced.length
  const rate = elapsedMs > 0 ? (result.moved * 1_000) / elapsedMs : 0
  const doneRate = elapsedMs > 0 ? (done * 1_000) / elapsedMs : 0
  let left = 'time left unknown (still counting)'
  if (progress.total !== undefined && doneRate > 0) {
    const ms = (Math.max(0, progress.total - done) / doneRate) * 1_000
    left = `about ${formatDuration(Math.ceil(ms / 1_000) * 1_000)} left`
  }
  return (
    `Drain: ${result.moved} moved, ${held} held, ${result.failed} failed, ` +
    `${progress.inFlight()} in flight; ${rate.toFixed(0)} objects/s; ${left}`
  )
}
