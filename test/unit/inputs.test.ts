import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderDefaults } from '../../scripts/input-defaults'
import { readInput } from '../../src/inputs'

describe('readInput', () => {
  it('takes the runner’s value, trimmed, even when it is empty', () => {
    expect(readInput('stage', { INPUT_STAGE: ' dev ' })).toBe('dev')
    expect(readInput('api-flag', { 'INPUT_API-FLAG': '' })).toBe('')
  })

  it('falls back on action.yml’s default only when nothing set it', () => {
    expect(readInput('stale-after', {})).toBe('24h')
    expect(readInput('api-flag', {})).toBe('/api/maintenance-mode-{stage}')
    expect(readInput('mode', {})).toBe('')
  })

  it('has defaults generated from the current action.yml', async () => {
    const wanted = await renderDefaults(readFileSync('action.yml', 'utf8'))
    expect(readFileSync('src/input-defaults.ts', 'utf8')).toBe(wanted)
  })
})
