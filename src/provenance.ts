// Who changed a flag, when and from which run. The gate writes this into
// the parameter's Description with every flag write, so a later `check`
// can say since when maintenance has been on and which run started it.

const MARK = 'animl-maintenance-gate'
const MAX_DESCRIPTION = 1024 // SSM's limit

export interface RunIdentity {
  readonly actor?: string
  readonly repository?: string
  readonly workflow?: string
  readonly runId?: string
  readonly url?: string
}

export interface Provenance extends RunIdentity {
  readonly value: string
  readonly at: string
}

export function currentRun(env: NodeJS.ProcessEnv = process.env): RunIdentity {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com'
  const { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env
  return {
    actor: env.GITHUB_ACTOR,
    repository,
    workflow: env.GITHUB_WORKFLOW,
    runId,
    url:
      repository && runId
        ? `${server}/${repository}/actions/runs/${runId}`
        : undefined
  }
}

export function describeWrite(
  value: string,
  run: RunIdentity,
  at: Date
): string {
  const text = JSON.stringify({ by: MARK, value, at: at.toISOString(), ...run })
  // Over the limit only with absurd names: keep the part that matters.
  return text.length <= MAX_DESCRIPTION
    ? text
    : JSON.stringify({
        by: MARK,
        value,
        at: at.toISOString(),
        runId: run.runId
      })
}

/** The gate's own record in a Description, or undefined for any other text. */
export function readProvenance(
  description: string | undefined
): Provenance | undefined {
  if (!description?.startsWith('{')) return undefined
  try {
    const parsed = JSON.parse(description) as Record<string, unknown>
    if (parsed.by !== MARK || typeof parsed.value !== 'string') return undefined
    if (typeof parsed.at !== 'string') return undefined
    const text = (key: string) =>
      typeof parsed[key] === 'string' ? (parsed[key] as string) : undefined
    return {
      value: parsed.value,
      at: parsed.at,
      actor: text('actor'),
      repository: text('repository'),
      workflow: text('workflow'),
      runId: text('runId'),
      url: text('url')
    }
  } catch {
    return undefined
  }
}
