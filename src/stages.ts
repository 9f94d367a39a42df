// Every Animl resource name ends with its stage. A run whose names do not
// (prod flags with dev buckets, say) is most likely a typo in a workflow,
// and could drain one stage into another: refuse it unless allowed.
import { InputError } from './errors'
import { INPUTS } from './io-names'
import type { Resources } from './resources'
import type { Settings } from './settings'

export function namesOffStage(
  settings: Settings,
  resources: Resources
): string[] {
  const suffix = `-${settings.stage}`
  const names = [
    ...settings.flags.map((flag) => flag.name),
    resources.parkingLotBucket,
    resources.ingestionBucket,
    // A job queue may be an ARN: its name is the part after the slash.
    resources.batchJobQueue?.split('/').at(-1)
  ]
  const off = names.filter(
    (name): name is string => name !== undefined && !name.endsWith(suffix)
  )
  // The status object's place is the operator's choice, but one that does
  // not name the stage would be shared by every stage: dev's enter would
  // show prod's open tabs the maintenance screen.
  const status = settings.statusObject
  if (status) {
    const where = `s3://${status.bucket}/${status.key}`
    if (!namesStage(`${status.bucket}/${status.key}`, settings.stage)) {
      off.push(where)
    }
  }
  return off
}

/**
 * Whether `text` holds the stage as a word: `-prod`, `/prod/`, `prod.json`,
 * but not `prod-eu` (another stage: names may hold `-`).
 */
function namesStage(text: string, stage: string): boolean {
  const escaped = stage.replace(/[^a-z0-9]/g, '\\$&')
  return new RegExp(`(^|[^a-z0-9])${escaped}([^a-z0-9-]|$)`).test(text)
}

export function refuseMixedStages(settings: Settings, resources: Resources) {
  const off = namesOffStage(settings, resources)
  if (off.length === 0 || settings.allowMixedStages) return
  throw new InputError(
    `Stage is ${settings.stage}, but ${off.join(', ')} ` +
      `${off.length === 1 ? 'does' : 'do'} not end with -${settings.stage}` +
      (off.some((name) => name.startsWith('s3://'))
        ? ` (a ${INPUTS.statusObject} must name the stage in its bucket or key)`
        : '') +
      `; fix the names or set ${INPUTS.allowMixedStages}: true.`
  )
}
