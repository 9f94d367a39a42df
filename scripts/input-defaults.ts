// npx tsx scripts/input-defaults.ts [--check]
// Writes src/input-defaults.ts from action.yml. A runner fills in every
// default itself, but a hand-run `node dist/index.js` or a tool such as
// local-action may not: the action then falls back on these. Generated, so
// action.yml stays the one place defaults are written; `--check` exits 1
// when the file is stale (the test suite runs it).
import { readFileSync, writeFileSync } from 'node:fs'
import { format } from 'prettier'
import { parse } from 'yaml'

const TARGET = 'src/input-defaults.ts'

export async function renderDefaults(actionYml: string): Promise<string> {
  const action = parse(actionYml) as {
    inputs: Record<string, { default?: unknown }>
  }
  const entries = Object.entries(action.inputs)
    .filter(([, input]) => input.default !== undefined)
    .map(
      ([name, input]) => `  '${name}': ${JSON.stringify(String(input.default))}`
    )
  const text = [
    '// Generated from action.yml by scripts/input-defaults.ts: do not edit.',
    'export const INPUT_DEFAULTS: Readonly<Record<string, string>> = {',
    entries.join(',\n'),
    '}',
    ''
  ].join('\n')
  // Formatted as the rest of src/, so format:check passes on it.
  return format(text, {
    parser: 'typescript',
    semi: false,
    singleQuote: true,
    trailingComma: 'none'
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const wanted = await renderDefaults(readFileSync('action.yml', 'utf8'))
  const current = (() => {
    try {
      return readFileSync(TARGET, 'utf8')
    } catch {
      return ''
    }
  })()
  if (process.argv.includes('--check')) {
    if (current !== wanted) {
      console.error(`${TARGET} is stale: run npm run build`)
      process.exit(1)
    }
  } else if (current !== wanted) {
    writeFileSync(TARGET, wanted)
  }
}
