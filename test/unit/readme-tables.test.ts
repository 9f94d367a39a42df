import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  inputsTable,
  outputsTable,
  rewriteReadme
} from '../../scripts/readme-tables'

const yml = readFileSync('action.yml', 'utf8')
const readme = readFileSync('README.md', 'utf8')

describe('README tables', () => {
  it('are what npm run docs generates from action.yml', () => {
    // On failure: run `npm run docs` and commit README.md.
    expect(rewriteReadme(readme, yml)).toBe(readme)
  })

  it('list every input and output of action.yml, once, in its order', () => {
    const action = parse(yml) as {
      inputs: Record<string, unknown>
      outputs: Record<string, unknown>
    }
    const names = (table: string) =>
      [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1])
    expect(names(inputsTable(yml))).toEqual(Object.keys(action.inputs))
    expect(names(outputsTable(yml))).toEqual(Object.keys(action.outputs))
  })

  it('show the default, or that an input is required or empty', () => {
    const sample = [
      'inputs:',
      '  a: { description: "first | one", required: true }',
      '  b: { description: "second", default: "" }',
      '  c: { description: "third", default: 24h }',
      'outputs:',
      '  x: { description: "an output" }'
    ].join('\n')
    expect(inputsTable(sample)).toBe(
      [
        '| input | default | meaning |',
        '| --- | --- | --- |',
        '| `a` | required | first \\| one |',
        '| `b` | *(empty)* | second |',
        '| `c` | `24h` | third |',
        ''
      ].join('\n')
    )
    expect(outputsTable(sample)).toContain('| `x` | an output |')
  })

  it('notice when action.yml changes', () => {
    const changed = yml.replace('default: 24h', 'default: 12h')
    expect(changed).not.toBe(yml)
    expect(rewriteReadme(readme, changed)).not.toBe(readme)
  })

  it('refuse a README without the markers', () => {
    expect(() => rewriteReadme('# no tables here\n', yml)).toThrow(/markers/)
  })
})
