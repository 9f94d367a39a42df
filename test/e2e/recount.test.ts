// The listing passes each key once. An image parked while the drain runs,
// at a key it has already passed (a reader that still had the ingestion
// flag cached), must not be left behind unnoticed: exit recounts the
// parking lot, fails, and the next exit moves it.
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { run, withSandbox } from './harness'
import { busyLot, INGESTION, LOT, places } from './invariants'

const LATE = '0000 parked late.jpg' // sorts before every other key

describe('recount after the drain', () => {
  it('fails when an image was parked behind the listing, and the next exit moves it', async () => {
    await withSandbox(busyLot(600), async (sandbox) => {
      const copies = () => sandbox.s3proxy.counts.get('CopyObject') ?? 0
      let parked = false
      const parkLate = (async () => {
        const until = Date.now() + 60_000
        while (copies() < 300 && Date.now() < until) {
          await new Promise((done) => setTimeout(done, 10))
        }
        await sandbox.s3.send(
          new PutObjectCommand({
            Bucket: LOT,
            Key: LATE,
            Body: 'late image',
            ContentType: 'image/jpeg'
          })
        )
        parked = true
      })()
      const first = await run(sandbox, 'exit', { 'settle-time': '0s' })
      await parkLate
      expect(parked).toBe(true)
      expect(first.exitCode, first.stdout).toBe(1)
      expect(first.report?.reason).toMatch(
        /1 more object than the drain left arrived in the parking lot/
      )
      expect(first.state.buckets[LOT]).toContain(LATE)
      // Everything else moved, and the flags were reopened all the same.
      expect(first.state.ssm['/api/maintenance-mode-prod']).toBe('false')

      const second = await run(sandbox, 'exit', { 'settle-time': '0s' })
      expect(second.exitCode, second.report?.reason).toBe(0)
      expect(places(second.state, LATE)).toEqual(['ingested'])
      expect(second.state.buckets[INGESTION]).toEqual([])
    })
  }, 120_000)
})
