// Markdown pieces for the job summary. GitHub renders these; keys and
// messages are escaped so that no object key can break the page.

export const MAX_ROWS = 200
export const MAX_KEYS = 500

export function section(title: string, body: string): string {
  return `### ${title}\n\n${body}\n`
}

export function table(header: string[], rows: string[][]): string {
  const head = `| ${header.join(' | ')} |\n|${header.map(() => ' --- |').join('')}`
  return (
    [head, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join(
      '\n'
    ) + '\n'
  )
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ')
}

// A list stops at MAX_KEYS lines or LIST_BYTES, whichever comes first,
// so a few thousand long keys cannot push the page past 1 MiB.
export const LIST_BYTES = 64 * 1024
const SHOWN_KEY_CHARS = 300

export function list(lines: string[]): string {
  const shown: string[] = []
  let bytes = 0
  for (const line of lines.slice(0, MAX_KEYS)) {
    bytes += Buffer.byteLength(line) + 3
    if (bytes > LIST_BYTES) break
    shown.push(`- ${line}`)
  }
  return shown.join('\n') + more(lines.length, shown.length)
}

export function details(label: string, body: string): string {
  return `<details><summary>${escape(label)}</summary>\n\n${body}\n</details>\n`
}

export function more(count: number, shown = MAX_ROWS): string {
  return count > shown
    ? `\n…and ${count - shown} more, in the JSON report.\n`
    : ''
}

export function code(text: string): string {
  const shown =
    text.length > SHOWN_KEY_CHARS ? `${text.slice(0, SHOWN_KEY_CHARS)}…` : text
  // A key with a backtick needs a longer fence, padded with spaces.
  return shown.includes('`') ? '`` ' + shown + ' ``' : '`' + shown + '`'
}

export function escape(text: string): string {
  return text.replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
