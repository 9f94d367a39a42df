// `npm run demo` is the first thing a newcomer runs: it must end in
// "demo OK" on a fresh checkout, with every mode doing what it shows.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

describe('npm run demo', () => {
  it('rehearses check, enter and exit and says OK', async () => {
    const { stdout } = await run(
      'node_modules/.bin/tsx',
      ['scripts/demo.ts', '--settle-time', '2s'],
      { maxBuffer: 32 * 1024 * 1024 }
    )
    expect(stdout).toMatch(
      /^demo OK: check blocked, enter pass, exit moved \d+/m
    )
    expect(stdout).toMatch(/EXIT: verdict pass/)
  }, 180_000)
})
