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

export function list(lines: string[]): string {
  const shown = lines.slice(0, MAX_KEYS).map((line) => `- ${line}`)
  return shown.join('\n') + more(lines.length, MAX_KEYS)
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
  // Backticks inside a key would end the code span early.
  return '`' + text.replaceAll('`', "'") + '`'
}

export function escape(text: string): string {
  return text.replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}
