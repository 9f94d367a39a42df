// Stopping a run early: GitHub cancels a job with SIGINT, then SIGTERM
// (about 7.5 s later), then kills it (2.5 s after that); the `timeout`
// input stops it the same way. One AbortController per run carries the
// stop to every place that could start new work or wait.
import * as core from '@actions/core'
import { formatDuration } from './duration'

/** Why a run was stopped, as the report's reason says it. */
export function stopReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason
  return typeof reason === 'string' ? reason : 'The run was cancelled'
}

/** Resolves when `signal` aborts (at once if it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((done) =>
    signal.addEventListener('abort', () => done(), { once: true })
  )
}

/** `sleep(ms)`, woken early by `signal`; false when woken by it. */
export async function sleepUnlessAborted(
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined
): Promise<boolean> {
  if (!signal) {
    await sleep(ms)
    return true
  }
  if (signal.aborted) return false
  // Its own listener, removed after: one per sleep would pile up on the
  // run's signal (sign-out and the drain sleep many times).
  let wake = () => {}
  const woken = new Promise<void>((done) => (wake = done))
  signal.addEventListener('abort', wake, { once: true })
  try {
    await Promise.race([sleep(ms, signal), woken])
  } finally {
    signal.removeEventListener('abort', wake)
  }
  return !signal.aborted
}

// After a stop, copies in flight get this long to finish and be confirmed
// (the drain's guard gives ingest-image 3 s of it) before the report is
// written anyway; a second signal cuts it short. It fits inside the 7.5 s
// GitHub leaves between SIGINT and SIGTERM.
export const GRACE_MS = 6_000

/** The run's one AbortController, fed by SIGINT, SIGTERM and `timeout`. */
export class Stopper {
  private readonly controller = new AbortController()
  private readonly timer: NodeJS.Timeout
  private hurry: () => void = () => undefined
  private readonly hurried = new Promise<void>((done) => (this.hurry = done))
  private readonly onSignal = (name: NodeJS.Signals) => {
    if (this.signal.aborted) {
      core.info(`${name} again: writing the report now`)
      this.hurry()
      return
    }
    this.stop(
      `Cancelled by ${name}: the gate started no new work after it and deleted only confirmed copies; run it again to finish`
    )
  }

  constructor(timeoutMs: number) {
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
    this.timer = setTimeout(
      () =>
        this.stop(
          `Timed out after ${formatDuration(timeoutMs)} (input 'timeout'): the gate stopped as if cancelled, deleted only confirmed copies; run it again to finish`
        ),
      timeoutMs
    )
    // Nothing left to do must not wait for the timeout.
    this.timer.unref()
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  stop(reason: string): void {
    if (this.signal.aborted) return
    core.info(`Stopping: ${reason}`)
    this.controller.abort(reason)
  }

  /**
   * Waits for the mode to finish; once stopped, for at most GRACE_MS more.
   * False when the mode was still running at the end of the grace.
   */
  async wait(running: Promise<void>): Promise<boolean> {
    const grace = aborted(this.signal).then(() =>
      Promise.race([
        new Promise<void>((done) => setTimeout(done, GRACE_MS).unref()),
        this.hurried
      ])
    )
    return Promise.race([running.then(() => true), grace.then(() => false)])
  }

  dispose(): void {
    clearTimeout(this.timer)
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }
}
