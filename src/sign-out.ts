// Signing every user out (optional). Once the api flag is in effect no
// session can do work; operators who also want open sessions ended ask for
// this. Cognito's AdminUserGlobalSignOut quota is low, so calls are paced.
// Loaded only when a run signs users out: most runs never do, and the
// client costs memory the drain would rather have.
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import * as core from '@actions/core'
import type { CheckDeps } from './check'
import { sleepUnlessAborted } from './abort'
import { errorMessage, InputError } from './errors'

export interface SignOutSettings {
  readonly userPool: string
  /** Users per second at most. */
  readonly rate: number
}

export interface SignOutResult {
  userPool: string
  dryRun: boolean
  /** Users listed in the pool. */
  users: number
  signedOut: number
  failed: number
  /** Listed, but not signed out because the run was stopped. */
  skipped: number
  /** The first few distinct failure messages (no user names). */
  errors: string[]
  seconds: number
  /** Set when the pool could not be listed: nobody more is signed out. */
  error?: string
}

const POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/
const PAGE = 60 // ListUsers' maximum
const KEPT_ERRORS = 10

export function parseSignOut(
  pool: { input: string; value: string },
  rate: { input: string; value: string }
): SignOutSettings | undefined {
  const id = pool.value.trim()
  const text = rate.value.trim()
  const perSecond = Number(text)
  if (!/^\d+$/.test(text) || perSecond < 1 || perSecond > 50) {
    throw new InputError(
      `Input '${rate.input}' is ${JSON.stringify(rate.value)}; expected a whole number from 1 to 50.`
    )
  }
  if (id === '') return undefined
  if (!POOL_ID.test(id) || id.length > 55) {
    throw new InputError(
      `Input '${pool.input}' is ${JSON.stringify(id)}; expected a Cognito user pool id such as us-west-2_AbC123.`
    )
  }
  return { userPool: id, rate: perSecond }
}

export async function createCognito(
  region: string
): Promise<CognitoIdentityProviderClient> {
  const { CognitoIdentityProviderClient } =
    await import('@aws-sdk/client-cognito-identity-provider')
  // The endpoint comes from AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER when
  // set, as for every other client.
  return new CognitoIdentityProviderClient({
    region,
    customUserAgent: 'animl-maintenance-gate',
    maxAttempts: 5,
    retryMode: 'adaptive',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 }
  })
}

/**
 * Lists the pool page by page and signs each user out, at most `rate` a
 * second. In a dry run the pool is only listed, to say how many would be.
 */
export async function signEveryoneOut(
  settings: SignOutSettings,
  cognito: CognitoIdentityProviderClient,
  clock: CheckDeps,
  dryRun: boolean,
  signal?: AbortSignal
): Promise<SignOutResult> {
  const { AdminUserGlobalSignOutCommand, ListUsersCommand } =
    await import('@aws-sdk/client-cognito-identity-provider')
  const started = clock.now().getTime()
  const result: SignOutResult = {
    userPool: settings.userPool,
    dryRun,
    users: 0,
    signedOut: 0,
    failed: 0,
    skipped: 0,
    errors: [],
    seconds: 0
  }
  const gapMs = 1_000 / settings.rate
  let nextAt = started
  let token: string | undefined
  try {
    do {
      const page = await cognito.send(
        new ListUsersCommand({
          UserPoolId: settings.userPool,
          Limit: PAGE,
          PaginationToken: token
        })
      )
      token = page.PaginationToken || undefined
      for (const user of page.Users ?? []) {
        const name = user.Username
        if (!name) continue
        result.users++
        if (dryRun) continue
        const wait = nextAt - clock.now().getTime()
        if (wait > 0) await sleepUnlessAborted(clock.sleep, wait, signal)
        // A stopped run signs nobody else out; the users left are counted
        // so the report says how far it got.
        if (signal?.aborted) {
          result.skipped++
          continue
        }
        nextAt = Math.max(nextAt, clock.now().getTime() - gapMs) + gapMs
        try {
          await cognito.send(
            new AdminUserGlobalSignOutCommand({
              UserPoolId: settings.userPool,
              Username: name
            })
          )
          result.signedOut++
        } catch (error) {
          result.failed++
          // User names may be e-mail addresses: only the message is kept.
          const message = errorMessage(error)
          if (
            result.errors.length < KEPT_ERRORS &&
            !result.errors.includes(message)
          ) {
            result.errors.push(message)
          }
        }
      }
    } while (token && !signal?.aborted)
  } catch (error) {
    result.error = `Could not list the users of ${settings.userPool} (cognito): ${errorMessage(error)}`
  }
  result.seconds = (clock.now().getTime() - started) / 1_000
  core.info(
    dryRun
      ? `Dry run: would sign out ${result.users} users of ${settings.userPool}`
      : `Signed out ${result.signedOut} of ${result.users} users of ${settings.userPool} (${result.failed} failed${result.skipped > 0 ? `, ${result.skipped} left after the stop` : ''}) in ${result.seconds.toFixed(1)}s`
  )
  return result
}
