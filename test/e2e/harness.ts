// Runs the built action against a fresh sandbox, as the rehearsal does.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  runAction,
  type RunActionResult,
  type StopAt
} from '../../sandbox/run-action'
import { startSandbox, type Sandbox } from '../../sandbox/sandbox'
import { readScenario, type Scenario } from '../../sandbox/scenario'

export interface GateReport {
  mode: string
  verdict: string
  reason: string
  dryRun: boolean
  batches: { id: string; status: string; phase: string }[]
  flags: { name: string; before: string | null; after: string | null }[]
  drain?: {
    moved: { key: string }[]
    held: { key: string; reason: string }[]
    failed: { key: string; error: string }[]
  }
  errors: string[]
}

export type GateRun = RunActionResult & { report: GateReport | null }

export function scenario(name: string): Scenario {
  return readScenario(join('scenarios', `${name}.json`))
}

/** Runs one mode; with `stop`, signals the action when that says so. */
export async function run(
  sandbox: Sandbox,
  mode: string,
  inputs: Record<string, string> = {},
  stop?: StopAt
): Promise<GateRun> {
  const outDir = await mkdtemp(join(tmpdir(), `gate-${mode}-`))
  return (await runAction({ sandbox, mode, inputs, outDir, stop })) as GateRun
}

/** Starts a sandbox for one test and always stops it. */
export async function withSandbox<T>(
  from: Scenario,
  use: (sandbox: Sandbox) => Promise<T>
): Promise<T> {
  const sandbox = await startSandbox(from)
  try {
    return await use(sandbox)
  } finally {
    await sandbox.stop()
  }
}

export function idsWith(report: GateReport | null, status: string): string[] {
  return (report?.batches ?? [])
    .filter((b) => b.status === status)
    .map((b) => b.id)
    .sort()
}

export function heldByReason(report: GateReport | null) {
  const held: Record<string, string[]> = {}
  for (const h of report?.drain?.held ?? []) {
    ;(held[h.reason] ??= []).push(h.key)
  }
  for (const keys of Object.values(held)) keys.sort()
  return held
}
