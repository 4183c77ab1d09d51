// `npm run dev:ssm` and `npm run dev:ssm -- put NAME VALUE`: the authorizer reads the parameters with the real SDK.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runBundle } from '../support/bundle-runner.js'
import { PATIENT_SSM } from '../support/patience.js'
import { projectCopy, run, start, type Running } from '../support/processes.js'
import { hs256, restTokenEvent } from '../support/tokens.js'

const SECRET = 'dev-ssm-secret-7c2e90b4d1f3a5868e0b'
let project: Awaited<ReturnType<typeof projectCopy>>
let ssm: Running | undefined

beforeAll(async () => {
  project = await projectCopy()
})
afterEach(() => ssm?.kill())
afterAll(async () => project?.cleanup())

const npm = (...args: string[]) => run('npm', ['run', '-s', 'dev:ssm', '--', ...args], { cwd: project.dir, env: project.env })

describe('npm run dev:ssm', () => {
  it('stores parameters with put, running or not, and the authorizer loads them through AWS_ENDPOINT_URL_SSM', async () => {
    const stored = await npm('put', '/cube-auth/dev/CUBEJS_API_SECRET', SECRET)
    expect(stored.code).toBe(0)
    expect(stored.stdout).toContain('stored /cube-auth/dev/CUBEJS_API_SECRET (SecureString')
    expect(stored.stdout).not.toContain(SECRET)
    ssm = await start('npm', ['run', 'dev:ssm', '--', '--port', '0'], { cwd: project.dir, env: project.env, ready: /Ctrl-C stops/ })
    const url = /export AWS_ENDPOINT_URL_SSM=(\S+)/.exec(ssm.output().stdout)?.[1] ?? ''
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    // Stored while the server runs: the next request sees it.
    expect((await npm('put', '/cube-auth/dev/CUBEJS_JWT_AUDIENCE', 'cube-api', '--type', 'String')).code).toBe(0)

    const env = {
      AWS_ENDPOINT_URL_SSM: url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local-dev-only',
      AUTHORIZER_SSM_PATH: '/cube-auth/dev', ...PATIENT_SSM,
    }
    const events = [restTokenEvent(`Bearer ${await hs256(SECRET, { sub: 'dana', aud: 'cube-api' })}`), restTokenEvent(`Bearer ${await hs256(SECRET, { sub: 'eve' })}`)]
    const run = await runBundle(env, events)
    expect(run.outcomes.map((o) => (o.ok ? (o.result as { principalId: string }).principalId : o.error.message))).toStrictEqual(['dana', 'Unauthorized'])
    expect(run.logs.find((line) => line.message === 'ssm_load')).toMatchObject({ outcome: 'ok', found: 2 })

    process.kill(ssm.child.pid ?? 0, 'SIGTERM')
    expect(await ssm.exited).toBe(0)
  })

  it('answers a bad command or name with one line and exit code 2', async () => {
    for (const args of [['put', 'has space', 'x'], ['put', '/only-a-name'], ['frob']]) {
      const finished = await npm(...args)
      expect(finished.code).toBe(2)
      expect(finished.stderr).toMatch(/^dev:ssm: /)
      expect(finished.stderr).not.toMatch(/^\s+at /m)
    }
  })
})
