// The maintenance flags: one SSM String parameter each, `true` or `false`.
// A write that fails part-way is a result, not an exception, so the report
// says exactly which flags changed.
import { GetParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm'
import * as core from '@actions/core'
import type { AwsClients } from './clients'
import { errorMessage, reading } from './errors'
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
  return specs.map((spec) => {
    const value = values.get(spec.name) ?? null
    core.info(`Flag ${spec.role} (${spec.name}) is ${value ?? 'absent'}`)
    return { ...spec, before: value, after: value }
  })
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
    if (dryRun) {
      flag.wouldBecome = value
      core.info(`Dry run: would set flag ${role} (${flag.name}) to ${value}`)
      continue
    }
    try {
      await writeFlag(flag.name, value, aws)
    } catch (error) {
      const message = `Could not set flag ${role} (${flag.name}) to ${value}: ${errorMessage(error)}`
      return { flags, error: message }
    }
    flag.after = value
    core.info(`Set flag ${role} (${flag.name}) to ${value}`)
  }
  return { flags }
}

async function writeFlag(name: string, value: string, aws: AwsClients) {
  await aws.ssm.send(
    new PutParameterCommand({
      Name: name,
      Value: value,
      Type: 'String',
      Overwrite: true
    })
  )
}
