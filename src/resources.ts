// Names of the Animl resources for one stage: given as inputs, or read from
// the SSM parameters Animl itself keeps them in.
import { GetParametersCommand } from '@aws-sdk/client-ssm'
import * as core from '@actions/core'
import type { AwsClients } from './clients'
import { reading, SourceError } from './errors'
import { maskMongoUri } from './secrets'
import type { Settings } from './settings'

export interface Resources {
  readonly mongodbUri?: string
  readonly parkingLotBucket?: string
  readonly ingestionBucket?: string
  readonly batchJobQueue?: string
}

type Key = keyof Resources

const PARAMETERS: Record<Key, (stage: string) => string> = {
  mongodbUri: (stage) => `/db/mongo-db-url-${stage}`,
  parkingLotBucket: (stage) => `/images/parkinglot-bucket-${stage}`,
  ingestionBucket: (stage) => `/images/ingestion-bucket-${stage}`,
  batchJobQueue: (stage) => `/images/batch-queue-${stage}`
}

/** What each mode needs to know. */
export const NEEDS: Record<Settings['mode'], readonly Key[]> = {
  check: ['mongodbUri', 'batchJobQueue'],
  enter: ['mongodbUri', 'batchJobQueue'],
  exit: ['parkingLotBucket', 'ingestionBucket']
}

export async function resolveResources(
  settings: Settings,
  aws: AwsClients
): Promise<Resources> {
  const given: Resources = {
    mongodbUri: settings.mongodbUri,
    parkingLotBucket: settings.parkingLotBucket,
    ingestionBucket: settings.ingestionBucket,
    batchJobQueue: settings.batchJobQueue
  }
  const missing = NEEDS[settings.mode].filter((key) => !given[key])
  const found = await readParameters(settings.stage, missing, aws)
  const resources = { ...given, ...found }
  if (resources.mongodbUri) maskMongoUri(resources.mongodbUri)
  for (const key of NEEDS[settings.mode]) {
    if (key !== 'mongodbUri') core.info(`Using ${key} ${resources[key]}`)
  }
  return resources
}

async function readParameters(
  stage: string,
  keys: readonly Key[],
  aws: AwsClients
): Promise<Partial<Resources>> {
  if (keys.length === 0) return {}
  const names = keys.map((key) => PARAMETERS[key](stage))
  const what = `parameters ${names.join(', ')}`
  const answer = await reading('ssm', what, () =>
    aws.ssm.send(
      new GetParametersCommand({ Names: names, WithDecryption: true })
    )
  )
  const values = new Map(
    (answer.Parameters ?? []).map((p) => [p.Name ?? '', p.Value ?? ''])
  )
  const found: Partial<Record<Key, string>> = {}
  keys.forEach((key, index) => {
    const name = names[index] ?? ''
    const value = values.get(name)
    if (!value) {
      throw new SourceError('ssm', `parameter ${name}`, 'parameter not found')
    }
    if (key === 'mongodbUri') maskMongoUri(value)
    found[key] = value
  })
  return found
}
