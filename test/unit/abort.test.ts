// Waits that a stop cuts short, without leaving a listener behind each.
import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { sleepUnlessAborted } from '../../src/abort'

const instant = () => Promise.resolve()

describe('sleepUnlessAborted', () => {
  it('leaves no abort listener behind after many sleeps', async () => {
    const controller = new AbortController()
    for (let i = 0; i < 50; i++) {
      expect(await sleepUnlessAborted(instant, 10, controller.signal)).toBe(
        true
      )
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('wakes at once on a stop and says so', async () => {
    const controller = new AbortController()
    const never = () => new Promise<void>(() => undefined)
    const sleeping = sleepUnlessAborted(never, 60_000, controller.signal)
    controller.abort('stop')
    expect(await sleeping).toBe(false)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('hands the signal to the sleep, so its timer can be freed', async () => {
    const controller = new AbortController()
    let given: AbortSignal | undefined
    await sleepUnlessAborted(
      (_ms, signal) => {
        given = signal
        return Promise.resolve()
      },
      10,
      controller.signal
    )
    expect(given).toBe(controller.signal)
  })
})
