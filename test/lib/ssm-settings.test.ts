// Settings from SSM through the real @aws-sdk/client-ssm against the local SSM-protocol server.
import { SignJWT } from 'jose'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthorizer } from '../../lib/authorizer.js'
import type { Settings } from '../../lib/config-env.js'
import type { LogLevel, Logger } from '../../lib/logger.js'
import { startSsmServer, type SsmServer } from '../support/ssm-server.js'

const PATH = '/cube-auth/test'
const SECRET = 'ssm-secret-value-0123456789-0123456789abcdef0123456789abcdef0123'
const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/whoami'
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0)

const sign = (secret: string, claims: Record<string, unknown> = { sub: 'user-1' }) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 3600).sign(new TextEncoder().encode(secret))
const tokenEvent = (token: string) => ({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: ARN })

function captureLogs(): Logger & { lines: Array<{ level: LogLevel; message: string; fields: Record<string, unknown> }> } {
  const lines: Array<{ level: LogLevel; message: string; fields: Record<string, unknown> }> = []
  return { lines, log: (level, message, fields = {}) => lines.push({ level, message, fields: { ...fields } }) }
}

let server: SsmServer
let clock: number

function build(env: Settings = {}) {
  const logger = captureLogs()
  const handler = createAuthorizer({ env: { AUTHORIZER_SSM_PATH: PATH, ...env }, now: () => clock, logger })
  return { handler, logger }
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    const result = (await promise) as { policyDocument?: { Statement: Array<{ Effect: string }> } }
    return result.policyDocument?.Statement[0]?.Effect ?? 'result'
  } catch (error) {
    return (error as Error).message
  }
}

beforeAll(async () => {
  // The first dynamic import of the SDK costs real time; take it here, not inside a deadline under test.
  await import('@aws-sdk/client-ssm')
})

beforeEach(async () => {
  clock = T0
  server = await startSsmServer({ parameters: { [`${PATH}/CUBEJS_API_SECRET`]: SECRET } })
  vi.stubEnv('AWS_ENDPOINT_URL_SSM', server.url)
  vi.stubEnv('AWS_REGION', 'us-east-1')
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test')
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test')
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true')
})

afterEach(async () => {
  vi.unstubAllEnvs()
  await server.close()
})

afterAll(() => vi.unstubAllEnvs())

describe('loading settings from SSM Parameter Store', () => {
  it('allows a token signed with the secret stored in SSM', async () => {
    const { handler } = build()
    expect(await outcome(handler(tokenEvent(await sign(SECRET))))).toBe('Allow')
  })

  it('asks for the ten settings by exact name in one GetParameters call, with decryption', async () => {
    const { handler } = build()
    await handler(tokenEvent(await sign(SECRET)))
    expect(server.callCount()).toBe(1)
    const call = server.calls[0]
    expect(call?.target).toBe('GetParameters')
    expect(call?.body.WithDecryption).toBe(true)
    expect(call?.body.Names).toEqual([
      'CUBEJS_API_SECRET', 'CUBEJS_API_SECRETS', 'CUBEJS_JWT_KEY', 'CUBEJS_JWK_URL', 'CUBEJS_JWT_ALGS', 'CUBEJS_JWT_AUDIENCE',
      'CUBEJS_JWT_ISSUER', 'CUBEJS_JWT_SUBJECT', 'CUBEJS_JWT_CLAIMS_NAMESPACE', 'AUTHORIZER_JWK_URLS',
    ].map((name) => `${PATH}/${name}`))
  })

  it('starts the load when the authorizer is created, before the first invocation', async () => {
    build()
    await vi.waitFor(() => expect(server.callCount('GetParameters')).toBe(1))
  })

  it('makes one SSM call for 50 warm invocations', async () => {
    const { handler } = build()
    const token = await sign(SECRET)
    for (let i = 0; i < 50; i += 1) expect(await outcome(handler(tokenEvent(token)))).toBe('Allow')
    expect(server.callCount()).toBe(1)
  })

  it('makes one SSM call for 10 concurrent cold invocations', async () => {
    server.setFault({ kind: 'delay', ms: 100 })
    const { handler } = build()
    const token = await sign(SECRET)
    const results = await Promise.all(Array.from({ length: 10 }, () => outcome(handler(tokenEvent(token)))))
    expect(results).toEqual(Array(10).fill('Allow'))
    expect(server.callCount()).toBe(1)
  })

  it('treats a parameter that does not exist as unset', async () => {
    server.deleteParameter(`${PATH}/CUBEJS_API_SECRET`)
    const { handler, logger } = build({ CUBEJS_API_SECRET: 'from-the-environment-0123456789abcdef0123456789abcdef0123456789a' })
    expect(await outcome(handler(tokenEvent(await sign('from-the-environment-0123456789abcdef0123456789abcdef0123456789a'))))).toBe('Allow')
    expect(logger.lines.find((l) => l.message === 'ssm_load')?.fields.found).toBe(0)
  })

  it('applies other settings from SSM, such as the audience', async () => {
    server.setParameter(`${PATH}/CUBEJS_JWT_AUDIENCE`, 'cube-api', 'String')
    const { handler } = build()
    expect(await outcome(handler(tokenEvent(await sign(SECRET, { sub: 'u', aud: 'other' }))))).toBe('Unauthorized')
    expect(await outcome(handler(tokenEvent(await sign(SECRET, { sub: 'u', aud: 'cube-api' }))))).toBe('Allow')
  })
})

describe('refreshing after the TTL', () => {
  it('accepts a rotated secret after the TTL without adding latency to the invocation that notices it', async () => {
    const { handler } = build({ AUTHORIZER_SSM_TTL_SECONDS: '300' })
    const oldToken = await sign(SECRET)
    const newToken = await sign('rotated-secret-value-987654-0123456789abcdef0123456789abcdef0123456789abcdef')
    expect(await outcome(handler(tokenEvent(oldToken)))).toBe('Allow')
    server.setParameter(`${PATH}/CUBEJS_API_SECRET`, 'rotated-secret-value-987654-0123456789abcdef0123456789abcdef0123456789abcdef')
    clock += 299_000
    expect(await outcome(handler(tokenEvent(newToken)))).toBe('Unauthorized')
    expect(server.callCount()).toBe(1)
    clock += 1_000
    // The invocation that finds the values expired is answered from the cached values.
    expect(await outcome(handler(tokenEvent(oldToken)))).toBe('Allow')
    await vi.waitFor(() => expect(server.callCount()).toBe(2))
    await vi.waitFor(async () => expect(await outcome(handler(tokenEvent(newToken)))).toBe('Allow'))
    expect(await outcome(handler(tokenEvent(oldToken)))).toBe('Unauthorized')
    expect(server.callCount()).toBe(2)
  })

  it('keeps serving the last good values when a reload fails, warns, and retries later', async () => {
    const { handler, logger } = build({ AUTHORIZER_SSM_TTL_SECONDS: '60' })
    const token = await sign(SECRET)
    expect(await outcome(handler(tokenEvent(token)))).toBe('Allow')
    server.setFault({ kind: 'accessDenied' })
    clock += 60_000
    expect(await outcome(handler(tokenEvent(token)))).toBe('Allow')
    await vi.waitFor(() => expect(logger.lines.some((l) => l.message === 'ssm_load_failed' && l.level === 'warn')).toBe(true))
    expect(await outcome(handler(tokenEvent(token)))).toBe('Allow')
    expect(server.callCount()).toBe(2)
    server.setFault(undefined)
    clock += 30_000
    expect(await outcome(handler(tokenEvent(token)))).toBe('Allow')
    await vi.waitFor(() => expect(server.callCount()).toBe(3))
    await vi.waitFor(() => expect(logger.lines.filter((l) => l.message === 'ssm_load').length).toBe(2))
  })
})

describe('cold-start failures fail closed and recover on the next invocation', () => {
  it('answers ssm_throttled (not Unauthorized) when throttling defeats the budget, then recovers', async () => {
    server.setFault({ kind: 'throttle' })
    const { handler, logger } = build({ AUTHORIZER_SSM_TIMEOUT_MS: '400' })
    const token = await sign(SECRET)
    expect(await outcome(handler(tokenEvent(token)))).toBe('Authorizer error: ssm_throttled')
    expect(server.callCount()).toBeGreaterThan(1)
    expect(logger.lines.filter((l) => l.message === 'ssm_throttled')).toHaveLength(1)
    server.setFault(undefined)
    expect(await outcome(handler(tokenEvent(token)))).toBe('Allow')
  })

  it('does not retry AccessDenied within one load, and names the path in the log', async () => {
    server.setFault({ kind: 'accessDenied', times: 1 })
    const { handler, logger } = build()
    const token = await sign(SECRET)
    expect(await outcome(handler(tokenEvent(token)))).toBe('Authorizer error: ssm_unavailable')
    expect(server.callCount()).toBe(1)
    const line = logger.lines.find((l) => l.message === 'ssm_load_failed')
    expect(line?.fields).toMatchObject({ path: PATH, setting: 'AUTHORIZER_SSM_PATH', reason: 'ssm_unavailable' })
    expect(String(line?.fields.detail)).toContain('AccessDeniedException')
    expect(await outcome(handler(tokenEvent(token)))).toBe('Allow')
  })

  it('fails closed on a KMS error', async () => {
    server.setFault({ kind: 'kms', times: 1 })
    const { handler } = build()
    expect(await outcome(handler(tokenEvent(await sign(SECRET))))).toBe('Authorizer error: ssm_unavailable')
  })

  it('retries a 500 within the budget and succeeds', async () => {
    server.setFault({ kind: 'error500', times: 2 })
    const { handler } = build({ AUTHORIZER_SSM_TIMEOUT_MS: '3000' })
    expect(await outcome(handler(tokenEvent(await sign(SECRET))))).toBe('Allow')
    expect(server.callCount()).toBe(3)
  })

  it('bounds a hung SSM connection by the cold-start budget', async () => {
    server.setFault({ kind: 'hang', times: 1 })
    const { handler } = build({ AUTHORIZER_SSM_TIMEOUT_MS: '300' })
    const token = await sign(SECRET)
    const started = Date.now()
    expect(await outcome(handler(tokenEvent(token)))).toBe('Authorizer error: ssm_unavailable')
    // Counted, not timed to the millisecond: the invocation ended long before a test timeout would.
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(await outcome(handler(tokenEvent(token)))).toBe('Allow')
  })

  it('fails closed when no key is configured anywhere, naming the setting', async () => {
    server.deleteParameter(`${PATH}/CUBEJS_API_SECRET`)
    const { handler, logger } = build()
    expect(await outcome(handler(tokenEvent(await sign(SECRET))))).toBe('Authorizer error: config_invalid')
    expect(logger.lines.find((l) => l.message === 'decision')?.fields.setting).toBe('CUBEJS_API_SECRET')
  })
})

describe('one source of truth per setting', () => {
  it('refuses a setting present both in the environment and in SSM, naming it', async () => {
    const { handler, logger } = build({ CUBEJS_API_SECRET: 'env-secret-value-0123456789abcdef0123456789abcdef0123456789abcde' })
    expect(await outcome(handler(tokenEvent(await sign(SECRET))))).toBe('Authorizer error: config_invalid')
    const line = logger.lines.find((l) => l.message === 'ssm_load_failed')
    expect(line?.fields.setting).toBe('CUBEJS_API_SECRET')
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET)
    expect(JSON.stringify(logger.lines)).not.toContain('env-secret-value-0123456789abcdef0123456789abcdef0123456789abcde')
  })
})

describe('environment-only deployments', () => {
  it('never calls SSM without AUTHORIZER_SSM_PATH', async () => {
    const handler = createAuthorizer({ env: { CUBEJS_API_SECRET: SECRET }, now: () => clock, logger: captureLogs() })
    expect(await outcome(handler(tokenEvent(await sign(SECRET))))).toBe('Allow')
    expect(server.callCount()).toBe(0)
  })

  it('rejects a malformed AUTHORIZER_SSM_PATH on invocation without failing creation', async () => {
    const logger = captureLogs()
    const handler = createAuthorizer({ env: { AUTHORIZER_SSM_PATH: 'no-leading-slash' }, now: () => clock, logger })
    expect(await outcome(handler(tokenEvent(await sign(SECRET))))).toBe('Authorizer error: config_invalid')
    expect(logger.lines.find((l) => l.message === 'decision')?.fields.setting).toBe('AUTHORIZER_SSM_PATH')
  })
})
