import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from '../../src/duration'

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    [' 30s ', 30_000]
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['', '10', '-1s', '1.5h', 'h', '1w', '1h 30m', '99999999999999999d'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined()
    }
  )
})

describe('formatDuration', () => {
  it('shows the two largest units', () => {
    expect(formatDuration(3 * 86_400_000 + 5 * 3_600_000 + 60_000)).toBe(
      '3d 5h'
    )
    expect(formatDuration(200_000)).toBe('3m 20s')
    expect(formatDuration(45_000)).toBe('45s')
    expect(formatDuration(300)).toBe('300ms')
  })

  it('leaves out a unit that does not follow the first', () => {
    expect(formatDuration(2 * 86_400_000 + 1_000)).toBe('2d')
    expect(formatDuration(2 * 3_600_000 + 1_000)).toBe('2h')
    expect(formatDuration(3_600_000 + 60_000 + 1_000)).toBe('1h 1m')
    expect(formatDuration(61_000)).toBe('1m 1s')
  })
})
