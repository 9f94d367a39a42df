// npm run docs: rewrites the inputs and outputs tables of README.md from
// action.yml, between marker comments, so the two never drift apart.
// `--check` rewrites nothing and exits 1 when README.md is out of date.
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'

interface ActionYml {
  inputs?: Record<
    string,
    { description?: string; default?: string; required?: boolean }
  >
  outputs?: Record<string, { description?: string }>
}

export const MARKERS = {
  inputs: ['<!-- inputs:start -->', '<!-- inputs:end -->'],
  outputs: ['<!-- outputs:start -->', '<!-- outputs:end -->']
} as const

const NOTE = '<!-- generated from action.yml by `npm run docs`; edit there -->'

export function inputsTable(yml: string): string {
  const inputs = (parse(yml) as ActionYml).inputs ?? {}
  const rows = Object.entries(inputs).map(([name, input]) => [
    '`' + name + '`',
    input.required ? 'required' : defaultCell(input.default ?? ''),
    oneLine(input.description ?? '')
  ])
  return table(['input', 'default', 'meaning'], rows)
}

export function outputsTable(yml: string): string {
  const outputs = (parse(yml) as ActionYml).outputs ?? {}
  const rows = Object.entries(outputs).map(([name, output]) => [
    '`' + name + '`',
    oneLine(output.description ?? '')
  ])
  return table(['output', 'meaning'], rows)
}

/** README.md with both tables replaced by what action.yml says. */
export function rewriteReadme(readme: string, yml: string): string {
  const withInputs = replaceBetween(readme, MARKERS.inputs, inputsTable(yml))
  return replaceBetween(withInputs, MARKERS.outputs, outputsTable(yml))
}

function replaceBetween(
  text: string,
  [start, end]: readonly [string, string],
  body: string
): string {
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  // A missing marker must not silently leave a stale table behind.
  if (from < 0 || to < from) {
    throw new Error(`README.md needs the markers ${start} and ${end}`)
  }
  const before = text.slice(0, from + start.length)
  return `${before}\n${NOTE}\n\n${body}\n${text.slice(to)}`
}

// An empty default means "work it out": the description says how.
function defaultCell(value: string): string {
  return value === '' ? '*(empty)*' : '`' + value + '`'
}

function oneLine(text: string): string {
  return text.trim().replace(/\s+/g, ' ').replaceAll('|', '\\|')
}

function table(header: string[], rows: string[][]): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`)
  ]
  return lines.join('\n') + '\n'
}

function main(args: string[]): number {
  const readmePath = resolve('README.md')
  const readme = readFileSync(readmePath, 'utf8')
  const wanted = rewriteReadme(readme, readFileSync('action.yml', 'utf8'))
  if (args.includes('--check')) {
    if (wanted === readme) return 0
    console.error('README.md tables differ from action.yml: run npm run docs')
    return 1
  }
  if (wanted !== readme) writeFileSync(readmePath, wanted)
  console.log(
    wanted === readme ? 'README.md is up to date' : 'README.md rewritten'
  )
  return 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = main(process.argv.slice(2))
}
