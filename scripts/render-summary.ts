// npx tsx scripts/render-summary.ts out/…/summary.md | out/…/report.json…
// writes an .html beside each file, styled roughly like a GitHub job
// summary, so a headless browser can show how the page reads. A report is
// rendered with the current sources, so a restyle needs no new rehearsal.
// A developer's tool only.
import { readFileSync, writeFileSync } from 'node:fs'
import { marked } from 'marked'
import type { Report } from '../src/report'
import { fitSummary, summarySections } from '../src/summary'

const STYLE = `
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica,
  Arial, sans-serif; color: #1f2328; max-width: 1012px; margin: 24px auto;
  padding: 16px 32px; border: 1px solid #d1d9e0; border-radius: 6px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h3 { font-size: 1.25em; margin-top: 24px; }
table { border-collapse: collapse; display: block; overflow: auto;
  margin: 0 0 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
th { font-weight: 600; }
tr:nth-child(2n) { background: #f6f8fa; }
code { font-size: 85%; background: #eff1f3; padding: .2em .4em;
  border-radius: 6px; font-family: ui-monospace, SFMono-Regular, Menlo,
  monospace; }
blockquote { color: #59636e; border-left: .25em solid #d1d9e0;
  margin: 0; padding: 0 1em; }
details { margin: 0 0 16px; }
summary { cursor: pointer; }
`

for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, 'utf8')
  const markdown = path.endsWith('.json')
    ? fitSummary(summarySections(JSON.parse(text) as Report))
    : text
  const html = await marked.parse(markdown, { gfm: true })
  const out = path.replace(/\.(md|json)$/, '') + '.html'
  writeFileSync(
    out,
    `<!doctype html><meta charset="utf-8"><style>${STYLE}</style>\n${html}`
  )
  console.log(out)
}
