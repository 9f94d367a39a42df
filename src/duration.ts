// Durations as operators write them in workflows: `0`, `90s`, `15m`, `2h`,
// `1d`, or a sum such as `1h30m`.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000
}

const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/
const PART = /(\d+)(ms|s|m|h|d)/g

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim()
  if (value === '0') return 0
  if (!WHOLE.test(value)) return undefined
  let total = 0
  for (const [, amount, unit] of value.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0)
  }
  return Number.isSafeInteger(total) ? total : undefined
}

/** `3h 20m`, `45s`, `2d`: the largest unit and, if not zero, the next. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`
  const units = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1]
  ] as const
  const seconds = Math.round(ms / 1_000)
  const first = units.findIndex(([, size]) => seconds >= size)
  const [unit, size] = units[first]!
  const head = `${Math.floor(seconds / size)}${unit}`
  // Only the next smaller unit: "2d 1s" reads like noise.
  const next = units[first + 1]
  if (!next) return head
  const tail = Math.floor((seconds % size) / next[1])
  return tail > 0 ? `${head} ${tail}${next[0]}` : head
}
