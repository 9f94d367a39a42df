// The MongoDB URI and its password never appear in anything the gate
// emits: log, summary, report, outputs. The sandbox's MongoDB demands the
// SCRAM-SHA-256 login of the scenario's URI, so the secret is really used.
import { describe, expect, it } from 'vitest'
import type { Scenario } from '../../sandbox/scenario'
import { run, scenario, withSandbox, type GateRun } from './harness'

const PASSWORD = 'S3cr@t+päss/w0rd'
const ENCODED = encodeURIComponent(PASSWORD)

function withPassword(): Scenario {
  const base = scenario('after-deploy')
  base.ssm['/db/mongo-db-url-prod'] = {
    type: 'SecureString',
    value: `mongodb://gate:${ENCODED}@{{mongodb-host}}/animl?authSource=admin`
  }
  return base
}

/** Everything a person could read, less the runner's own mask commands. */
function emitted(result: GateRun): string {
  const log = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
  return [
    log,
    result.summary,
    JSON.stringify(result.report),
    JSON.stringify(result.outputs)
  ].join('\n')
}

function expectNoSecret(text: string, uri: string): void {
  for (const form of [uri, PASSWORD, ENCODED, 'S3cr@t', 'S3cr%40t']) {
    expect(text.includes(form), `emitted ${form}`).toBe(false)
  }
}

/** Runs with RUNNER_DEBUG on, so debug lines are scanned too. */
async function withDebugLines(use: () => Promise<void>): Promise<void> {
  const previous = process.env.RUNNER_DEBUG
  process.env.RUNNER_DEBUG = '1'
  try {
    await use()
  } finally {
    if (previous === undefined) delete process.env.RUNNER_DEBUG
    else process.env.RUNNER_DEBUG = previous
  }
}

describe('secrets', () => {
  it.each(['check', 'enter', 'exit'])(
    '%s never prints the URI or password',
    async (mode) => {
      await withDebugLines(() =>
        withSandbox(withPassword(), async (sandbox) => {
          const uri = sandbox.aws.ssm.get('/db/mongo-db-url-prod')!.value
          const result = await run(sandbox, mode, { 'settle-time': '0s' })
          expectNoSecret(emitted(result), uri)
          // exit needs no database, so it never reads the URI.
          if (mode !== 'exit') {
            expect(result.stdout).toContain(`::add-mask::${PASSWORD}`)
            // It logged in: the stand-in saw the SCRAM exchange.
            expect(sandbox.mongo.commands).toContain('saslContinue')
            expect(result.report?.verdict).not.toBe('error')
          }
        })
      )
    }
  )

  it.each(['check', 'enter', 'exit'])(
    '%s given mongodb-uri as an input never prints the URI or password',
    async (mode) => {
      await withDebugLines(() =>
        withSandbox(withPassword(), async (sandbox) => {
          // The same credentials as the scenario's, so the login succeeds,
          // but given as an input: the SecureString is never read.
          const uri = `mongodb://gate:${ENCODED}@${sandbox.mongo.hostPort}/animl?authSource=admin`
          const result = await run(sandbox, mode, {
            'settle-time': '0s',
            'mongodb-uri': uri
          })
          expect(result.report?.verdict, result.report?.reason).not.toBe(
            'error'
          )
          const text = emitted(result)
          expectNoSecret(text, uri)
          const readSecureString = sandbox.aws.calls.some((c) => {
            const input = c.input as { Name?: string; Names?: string[] }
            return [input.Name, ...(input.Names ?? [])].includes(
              '/db/mongo-db-url-prod'
            )
          })
          expect(readSecureString).toBe(false)
          // Masked whatever the mode, as action.yml promises.
          expect(result.stdout).toContain(`::add-mask::${PASSWORD}`)
          // (the runner's command escaping turns `%` into `%25`)
          expect(result.stdout).toContain(
            `::add-mask::${uri.replaceAll('%', '%25')}`
          )
          if (mode !== 'exit') {
            // It logged in with the input's credentials.
            expect(sandbox.mongo.commands).toContain('saslContinue')
          }
        })
      )
    }
  )

  it('a wrong password fails closed without printing either password', async () => {
    await withSandbox(withPassword(), async (sandbox) => {
      const wrong = 'n0t-the%40password'
      const uri = `mongodb://gate:${wrong}@${sandbox.mongo.hostPort}/animl?authSource=admin`
      const result = await run(sandbox, 'check', { 'mongodb-uri': uri })
      expect(result.exitCode).toBe(1)
      expect(result.report?.reason).toMatch(/mongodb/)
      const text = emitted(result)
      for (const form of [uri, wrong, 'n0t-the@password', PASSWORD]) {
        expect(text.includes(form), `emitted ${form}`).toBe(false)
      }
    })
  })
})

describe('the rehearsal log', () => {
  it('drops mask commands and masks their values, like a runner', async () => {
    const { maskLikeARunner } = await import('../../sandbox/run-action')
    const log = ['::add-mask::hunter2', 'connecting with hunter2', 'done'].join(
      '\n'
    )
    expect(maskLikeARunner(log)).toBe('connecting with ***\ndone')
  })
})
