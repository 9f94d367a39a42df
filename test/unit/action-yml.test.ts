import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { INPUTS, OUTPUTS } from '../../src/io-names'

const action = parse(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<
    string,
    { description?: string; default?: string; required?: boolean }
  >
  outputs: Record<string, { description?: string }>
  runs: { using: string; main: string }
}

describe('action.yml', () => {
  it('declares exactly the inputs the code reads', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(
      Object.values(INPUTS).sort()
    )
  })

  it('declares exactly the outputs the code sets', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(
      Object.values(OUTPUTS).sort()
    )
  })

  it('describes every input and output, and gives optional inputs a default', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description, name).toBeTruthy()
      if (!input.required) expect(input.default, name).toBeTypeOf('string')
    }
    for (const [name, output] of Object.entries(action.outputs)) {
      expect(output.description, name).toBeTruthy()
    }
  })

  it('runs the bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })
})
