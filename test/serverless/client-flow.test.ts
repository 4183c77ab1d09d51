// Cube's client flow on serverless-offline with settings from SSM: token endpoint -> @cubejs-client/core -> authorizer -> Cube API stub.
import cube, { RequestError } from '@cubejs-client/core'
import { jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSsmServer, type SsmServer } from '../support/ssm-server.js'
import { hs256 } from '../support/tokens.js'
import { isolatedEnv, serviceCopy, startOffline, type Offline } from './support/serverless.js'

const SSM_PATH = '/cube-auth/offline'
const SECRET = 'ssm-secret-0c4e7b1a95d2-0123456789abcdef0123456789abcdef01234567'
const AUDIENCE = 'cube-api'

let offline: Offline
let ssm: SsmServer
const cleanups: Array<() => Promise<void>> = []

beforeAll(async () => {
  ssm = await startSsmServer({
    parameters: {
      [`${SSM_PATH}/CUBEJS_API_SECRET`]: SECRET,
      [`${SSM_PATH}/CUBEJS_JWT_AUDIENCE`]: { value: AUDIENCE, type: 'String' },
    },
  })
  const service = await serviceCopy()
  // No CUBEJS_* in the shell at all: every setting comes from SSM, reached by the real SDK at AWS_ENDPOINT_URL_SSM.
  const shell = await isolatedEnv({
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDOFFLINETEST',
    AWS_SECRET_ACCESS_KEY: 'offline-test-secret-key',
  })
  cleanups.push(service.cleanup, shell.cleanup)
  // What `npm run offline` passes (demoLogin), plus the SSM path as a stage parameter.
  offline = await startOffline({ cwd: service.dir, env: shell.env, args: [`--param=ssmPath=${SSM_PATH}`, '--param=demoLogin=true'] })
}, 60_000)

afterAll(async () => {
  await offline?.stop()
  await ssm?.close()
  for (const cleanup of cleanups) await cleanup()
})

/** The front end of Cube's docs: fetch a token from the web server once, hand the promise to the client. */
function frontEnd(user: string | undefined) {
  let apiTokenPromise: Promise<string> | undefined
  return cube(
    () => {
      apiTokenPromise ??= fetch(`${offline.url}/auth/cubejs-token`, { headers: user === undefined ? {} : { 'X-Demo-User': user } })
        .then((res) => res.json() as Promise<{ token: string }>)
        .then((r) => r.token)
      return apiTokenPromise
    },
    { apiUrl: `${offline.url}/cubejs-api/v1` },
  )
}

async function failureOf(promise: Promise<unknown>): Promise<RequestError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e)
  if (!(error instanceof RequestError)) throw new Error(`expected a RequestError, got ${String(error)}`)
  return error
}

describe('token endpoint with the secret from SSM', () => {
  it('signs a one-day token for the signed-in user with the SSM secret and the SSM audience', async () => {
    const response = await fetch(`${offline.url}/auth/cubejs-token`, { headers: { 'X-Demo-User': 'alice' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const { token } = (await response.json()) as { token: string }
    const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET), { algorithms: ['HS256'], audience: AUDIENCE })
    expect(payload.sub).toBe('alice')
    expect(Number(payload.exp) - Number(payload.iat)).toBe(86_400)
  })

  it('answers 401 and signs nothing when nobody is signed in', async () => {
    const response = await fetch(`${offline.url}/auth/cubejs-token`)
    expect(response.status).toBe(401)
    expect(await response.json()).toStrictEqual({ error: 'login required' })
  })
})

describe('@cubejs-client/core against the Cube API stub behind the authorizer', () => {
  it('loads meta with the token from the token endpoint, and the stub logs the security context it received', async () => {
    const meta = await frontEnd('alice').meta()
    expect(meta.cubes).toStrictEqual([])
    const line = offline.output().stdout.split('\n').find((l) => l.includes('"message":"cube_api_request"'))
    expect(line).toBeDefined()
    const logged = JSON.parse(String((JSON.parse(String(line)) as { security_context: string }).security_context)) as Record<string, unknown>
    expect(logged).toMatchObject({ sub: 'alice', aud: AUDIENCE })
  })

  it('fails with 401 without a token', async () => {
    const error = await failureOf(cube('', { apiUrl: `${offline.url}/cubejs-api/v1` }).meta())
    expect(error.status).toBe(401)
  })

  it('fails with 401 when the token endpoint refused to sign (not signed in)', async () => {
    const error = await failureOf(frontEnd(undefined).meta())
    expect(error.status).toBe(401)
  })
})

describe('authorizer settings from SSM on serverless-offline', () => {
  it('enforces the audience that only SSM holds: 200 with it, 401 without', async () => {
    const now = Math.floor(Date.now() / 1000)
    const withAudience = await hs256(SECRET, { sub: 'carol', aud: AUDIENCE, exp: now + 600 })
    const withoutAudience = await hs256(SECRET, { sub: 'carol', exp: now + 600 })
    for (const path of ['/whoami', '/whoami/request', '/v2/whoami']) {
      expect((await fetch(`${offline.url}${path}`, { headers: { authorization: `Bearer ${withAudience}` } })).status, path).toBe(200)
      expect((await fetch(`${offline.url}${path}`, { headers: { authorization: `Bearer ${withoutAudience}` } })).status, path).toBe(401)
    }
  })

  it('loaded the settings with GetParameters only, naming the path, with decryption, once per function instance', () => {
    expect(ssm.callCount()).toBe(ssm.callCount('GetParameters'))
    // Offline runs each function in its own worker: authorizer, authorizerRequest and the token endpoint load once each.
    expect(ssm.callCount()).toBe(3)
    for (const call of ssm.calls) {
      expect(call.body.WithDecryption).toBe(true)
      expect(call.body.Names).toContain(`${SSM_PATH}/CUBEJS_API_SECRET`)
      expect(call.signed).toBe(true)
    }
  })
})
