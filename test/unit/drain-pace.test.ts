import { describe, expect, it } from 'vitest'
import { Pool, Rate } from '../../src/drain/pace'
import { progressLine } from '../../src/drain/progress'
import { emptyDrain } from '../../src/drain/spool'

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((done) => (resolve = done))
  return { promise, resolve }
}

describe('Pool', () => {
  it('runs at most `limit` tasks, and starts the next as one ends', async () => {
    const pool = new Pool(2)
    const gates = [deferred(), deferred(), deferred()]
    const started: number[] = []
    const task = (i: number) => async () => {
      started.push(i)
      await gates[i]?.promise
    }
    const a = await pool.start(task(0))
    const b = await pool.start(task(1))
    expect(pool.active).toBe(2)
    let thirdStarted = false
    const c = pool.start(task(2)).then((r) => {
      thirdStarted = true
      return r
    })
    await new Promise((done) => setTimeout(done, 10))
    expect(thirdStarted).toBe(false)
    expect(started).toEqual([0, 1])
    gates[0]?.resolve()
    await a.done
    const third = await c
    expect(started).toEqual([0, 1, 2])
    expect(pool.active).toBe(2)
    gates[1]?.resolve()
    gates[2]?.resolve()
    await Promise.all([b.done, third.done, pool.idle()])
    expect(pool.active).toBe(0)
  })

  it('frees the slot of a task that fails, and hands back its failure', async () => {
    const pool = new Pool(1)
    const { done } = await pool.start(async () => {
      throw new Error('boom')
    })
    await expect(done).rejects.toThrow('boom')
    expect(pool.active).toBe(0)
    const next = await pool.start(async () => {})
    await next.done
  })

  it('is idle at once with nothing running', async () => {
    await new Pool(3).idle()
  })
})

describe('Rate', () => {
  it('spaces calls 1/perSecond apart on its clock', async () => {
    let now = 1_000
    const slept: number[] = []
    const rate = new Rate(
      4,
      async (ms) => {
        slept.push(ms)
        now += ms
      },
      () => now
    )
    for (let i = 0; i < 4; i++) await rate.take()
    expect(slept).toEqual([250, 250, 250])
    now += 2_000 // idle time is not banked as a burst
    await rate.take()
    await rate.take()
    expect(slept).toEqual([250, 250, 250, 250])
  })

  it('never waits without a cap', async () => {
    const rate = new Rate(0, async () => {
      throw new Error('slept')
    })
    for (let i = 0; i < 100; i++) await rate.take()
  })
})

describe('progress line', () => {
  it('says moved, held, failed, in flight, the rate and the time left', () => {
    const result = emptyDrain('/tmp/none')
    result.moved = 600
    result.held.unsupported = 30
    result.held['orphaned-batch'] = 70
    result.failed = 100
    const line = progressLine(
      result,
      { total: 2_400, inFlight: () => 16 },
      10_000
    )
    // 800 done in 10 s: 80/s, 1,600 left: 20 s.
    expect(line).toBe(
      'Drain: 600 moved, 100 held, 100 failed, 16 in flight; 60 objects/s; about 20s left'
    )
  })

  it('says when the time left is not known yet', () => {
    const line = progressLine(
      emptyDrain('/tmp/none'),
      { total: undefined, inFlight: () => 0 },
      5_000
    )
    expect(line).toMatch(/0 objects\/s; time left unknown \(still counting\)$/)
  })
})
