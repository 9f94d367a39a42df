// The status object: a small JSON file a loaded page polls, so an open tab
// shows the maintenance screen without a reload. It is served uncached:
// a CDN or browser holding an old copy would defeat its purpose.
import { PutObjectCommand } from '@aws-sdk/client-s3'
import * as core from '@actions/core'
import type { AwsClients } from './clients'
import { parseDuration } from './duration'
import { errorMessage, InputError } from './errors'
import { currentRun, type RunIdentity } from './provenance'

export interface StatusObjectSettings {
  readonly bucket: string
  readonly key: string
  readonly message: string
  /** An absolute end, or a span from the start of the run. */
  readonly expectedEnd?: { at: Date } | { afterMs: number }
}

export interface StatusBody {
  maintenance: boolean
  since: string
  message: string
  expectedEnd?: string
  run: RunIdentity
}

export interface StatusObjectResult {
  location: string
  /** False in a dry run, or when the write failed. */
  written: boolean
  body: StatusBody
  error?: string
}

const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/
const MAX_MESSAGE = 500

export function parseStatusObject(
  location: { input: string; value: string },
  message: { input: string; value: string },
  expectedEnd: { input: string; value: string }
): StatusObjectSettings | undefined {
  // Checked even when no status object is asked for: a bad value is an
  // input error, whatever else is given.
  const end = parseExpectedEnd(expectedEnd.input, expectedEnd.value)
  const text = location.value.trim()
  if (text === '') return undefined
  const match = S3_URL.exec(text)
  if (!match || Buffer.byteLength(match[2] ?? '') > 1024) {
    throw new InputError(
      `Input '${location.input}' is ${JSON.stringify(text)}; expected s3://bucket/key.`
    )
  }
  const said = message.value.trim()
  if (said.length > MAX_MESSAGE) {
    throw new InputError(
      `Input '${message.input}' is ${said.length} characters long; expected at most ${MAX_MESSAGE}.`
    )
  }
  return {
    bucket: match[1] ?? '',
    key: match[2] ?? '',
    message: said,
    ...end
  }
}

function parseExpectedEnd(
  input: string,
  value: string
): Pick<StatusObjectSettings, 'expectedEnd'> {
  const text = value.trim()
  if (text === '') return {}
  const ms = parseDuration(text)
  if (ms !== undefined && ms > 0) return { expectedEnd: { afterMs: ms } }
  if (ISO.test(text) && !Number.isNaN(Date.parse(text))) {
    return { expectedEnd: { at: new Date(text) } }
  }
  throw new InputError(
    `Input '${input}' is ${JSON.stringify(text)}; expected an ISO time such as 2025-06-01T18:00:00Z or a duration such as 45m.`
  )
}

export function statusBody(
  settings: StatusObjectSettings,
  maintenance: boolean,
  since: Date,
  startedAt: Date
): StatusBody {
  const end = settings.expectedEnd
  const expectedEnd = !maintenance
    ? undefined
    : end && 'at' in end
      ? end.at
      : end
        ? new Date(startedAt.getTime() + end.afterMs)
        : undefined
  return {
    maintenance,
    since: since.toISOString(),
    message: maintenance ? settings.message : '',
    ...(expectedEnd && { expectedEnd: expectedEnd.toISOString() }),
    run: currentRun()
  }
}

/** Writes the body (never in a dry run); a failure is a result. */
export async function writeStatusObject(
  settings: StatusObjectSettings,
  body: StatusBody,
  aws: AwsClients,
  dryRun: boolean
): Promise<StatusObjectResult> {
  const location = `s3://${settings.bucket}/${settings.key}`
  const state = body.maintenance ? 'maintenance' : 'open'
  if (dryRun) {
    core.info(`Dry run: would write status object ${location} (${state})`)
    return { location, written: false, body }
  }
  try {
    await aws.s3.send(
      new PutObjectCommand({
        Bucket: settings.bucket,
        Key: settings.key,
        Body: JSON.stringify(body),
        ContentType: 'application/json',
        CacheControl: 'no-store, max-age=0'
      })
    )
  } catch (error) {
    const message = `Could not write the status object ${location}: ${errorMessage(error)}`
    return { location, written: false, body, error: message }
  }
  core.info(`Wrote status object ${location} (${state})`)
  return { location, written: true, body }
}
