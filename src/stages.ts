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
  return names.filter(
    (name): name is string => name !== undefined && !name.endsWith(suffix)
  )
}

export function refuseMixedStages(settings: Settings, resources: Resources) {
  const off = namesOffStage(settings, resources)
  if (off.length === 0 || settings.allowMixedStages) return
  throw new InputError(
    `Stage is ${settings.stage}, but ${off.join(', ')} ` +
      `${off.length === 1 ? 'does' : 'do'} not end with -${settings.stage}; ` +
      `fix the names or set ${INPUTS.allowMixedStages}: true.`
  )
}
