// The maintenance flags: one SSM String parameter each, `true` or `false`.
// A write that fails part-way is a result, not an exception, so the report
// says exactly which flags changed.
import {
  DescribeParametersCommand,
  GetParametersCommand,
  PutParameterCommand
} from '@aws-sdk/client-ssm'
import * as core from '@actions/core'
import type { AwsClients } from './clients'
import { errorMessage, reading } from './errors'
import {
  currentRun,
  describeWrite,
  readProvenance,
  type Provenance
} from './provenance'
import type { ProbeResult } from './probe'
import type { FlagRole, FlagSpec } from './settings'

export interface FlagState {
  readonly role: FlagRole
  readonly name: string
  /** The value read before the run; null when the parameter is absent. */
  readonly before: string | null
  /** The value after the run (unchanged when nothing was written). */
  after: string | null
  /** Set in dry-run when a write would have happened. */
  wouldBecome?: string
  /** When the parameter last changed, and by which principal. */
  modifiedAt?: Date
  modifiedBy?: string
  /** The run that last wrote it, when the gate did. */
  provenance?: Provenance
  /** Whether the component showed the flag in effect (the barrier). */
  probe?: ProbeResult
}

export interface FlagWriteResult {
  readonly flags: FlagState[]
  readonly error?: string
}

export async function readFlags(
  specs: readonly FlagSpec[],
  aws: AwsClients
): Promise<FlagState[]> {
  if (specs.length === 0) return []
  const names = specs.map((spec) => spec.name)
  const answer = await reading('ssm', `flags ${names.join(', ')}`, () =>
    aws.ssm.send(new GetParametersCommand({ Names: names }))
  )
  const values = new Map(
    (answer.Parameters ?? []).map((p) => [p.Name ?? '', p.Value ?? null])
  )
  const history = await readHistory(names, aws)
  return specs.map((spec) => {
    const value = values.get(spec.name) ?? null
    core.info(`Flag ${spec.role} (${spec.name}) is ${value ?? 'absent'}`)
    if (value !== null && value !== 'true' && value !== 'false') {
      core.warning(
        `Flag ${spec.role} (${spec.name}) holds ${JSON.stringify(value)}, not true or false: Animl may read it either way`
      )
    }
    return { ...spec, before: value, after: value, ...history.get(spec.name) }
  })
}

type History = Pick<FlagState, 'modifiedAt' | 'modifiedBy' | 'provenance'>

/** Last change of each flag: SSM's own record plus the gate's note. */
async function readHistory(
  names: string[],
  aws: AwsClients
): Promise<Map<string, History>> {
  const answer = await reading('ssm', `history of ${names.join(', ')}`, () =>
    aws.ssm.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: names }]
      })
    )
  )
  const history = new Map<string, History>()
  for (const p of answer.Parameters ?? []) {
    history.set(p.Name ?? '', {
      modifiedAt: p.LastModifiedDate,
      modifiedBy: p.LastModifiedUser,
      provenance: readProvenance(p.Description)
    })
  }
  return history
}

/**
 * Sets the flags of the given roles, in the order given, to `value`. Flags
 * already at that value are not rewritten. Stops at the first failure.
 */
export async function setFlags(
  flags: FlagState[],
  roles: readonly FlagRole[],
  value: 'true' | 'false',
  aws: AwsClients,
  dryRun: boolean
): Promise<FlagWriteResult> {
  for (const role of roles) {
    const flag = flags.find((candidate) => candidate.role === role)
    if (!flag) continue
    if (flag.after === value) {
      core.info(`Flag ${role} is already ${value}: not rewritten`)
      continue
    }
    // An absent flag already means off to its readers: do not create one
    // just to say so.
    if (flag.after === null && value === 'false') {
      core.info(`Flag ${role} is absent, which reads as off: not created`)
      continue
    }
    if (dryRun) {
      flag.wouldBecome = value
      core.info(`Dry run: would set flag ${role} (${flag.name}) to ${value}`)
      continue
    }
    try {
      await writeFlag(flag, value, aws)
    } catch (error) {
      const message = `Could not set flag ${role} (${flag.name}) to ${value}: ${errorMessage(error)}`
      return { flags, error: message }
    }
    flag.after = value
    core.info(`Set flag ${role} (${flag.name}) to ${value}`)
  }
  return { flags }
}

const UPDATE_ATTEMPTS = 5

async function writeFlag(flag: FlagState, value: string, aws: AwsClients) {
  const at = new Date()
  const run = currentRun()
  const command = new PutParameterCommand({
    Name: flag.name,
    Value: value,
    Type: 'String',
    Overwrite: true,
    Description: describeWrite(value, run, at)
  })
  // SSM answers TooManyUpdates to concurrent writes of one parameter; the
  // SDK does not count it as a throttle, so it is retried here (the write
  // is idempotent).
  for (let attempt = 1; ; attempt++) {
    try {
      await aws.ssm.send(command)
      break
    } catch (error) {
      const busy = (error as { name?: string }).name === 'TooManyUpdates'
      if (!busy || attempt >= UPDATE_ATTEMPTS) throw error
      const pause = 250 * 2 ** attempt * (0.5 + Math.random() / 2)
      await new Promise((done) => setTimeout(done, pause))
    }
  }
  flag.modifiedAt = at
  flag.modifiedBy = undefined // the principal is SSM's to record
  flag.provenance = { value, at: at.toISOString(), ...run }
}
