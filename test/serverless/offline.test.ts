// serverless-offline with the checkAuth example authorizer in front of whoami: real HTTP requests on all three routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hs256, withBadSignature, withPayload } from '../support/tokens.js'
import { isolatedEnv, serviceCopy, startOffline, type Offline } from './support/serverless.js'

const SECRET = 'offline-secret-6a1f93c2d7e0-0123456789abcdef0123456789abcdef0123'
const NOW_S = Math.floor(Date.now() / 1000)
const CLAIMS = { sub: 'alice', tenant: 'acme', role: 'analyst', iat: NOW_S, exp: NOW_S + 3600 }

let offline: Offline
const cleanups: Array<() => Promise<void>> = []
let valid: string
let suspended: string

beforeAll(async () => {
  const service = await serviceCopy()
  const shell = await isolatedEnv({ CUBEJS_API_SECRET: SECRET })
  cleanups.push(service.cleanup, shell.cleanup)
  valid = await hs256(SECRET, CLAIMS)
  suspended = await hs256(SECRET, { sub: 'bob', suspended: true, iat: NOW_S, exp: NOW_S + 3600 })
  // The shell's CUBEJS_API_SECRET reaches the handlers through localEnvironment (custom.serverless-offline).
  offline = await startOffline({ cwd: service.dir, env: shell.env, args: ['--param=authorizerHandler=dist/example-authorizer.handler'] })
}, 60_000)

afterAll(async () => {
  await offline?.stop()
  for (const cleanup of cleanups) await cleanup()
})

async function get(path: string, authorization?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${offline.url}${path}`, { headers: authorization === undefined ? {} : { authorization } })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** What each route's backend sees: REST passes the context as `authorizer.*`, HTTP APIs as `authorizer.lambda.*`. */
const ROUTES = [
  { path: '/whoami', kind: 'REST TOKEN', contextOf: (authorizer: Record<string, unknown>) => authorizer },
  { path: '/whoami/request', kind: 'REST REQUEST', contextOf: (authorizer: Record<string, unknown>) => authorizer },
  { path: '/v2/whoami', kind: 'HTTP API', contextOf: (authorizer: Record<string, unknown>) => authorizer.lambda as Record<string, unknown> },
] as const

describe.each(ROUTES)('serverless-offline $path ($kind authorizer)', ({ path, contextOf }) => {
  it('answers 401 without a token', async () => {
    expect((await get(path)).status).toBe(401)
  })

  it('answers 401 to a tampered token and to one with a broken signature', async () => {
    expect((await get(path, `Bearer ${withPayload(valid, { ...CLAIMS, role: 'admin' })}`)).status).toBe(401)
    expect((await get(path, `Bearer ${withBadSignature(valid)}`)).status).toBe(401)
  })

  it('answers 200 to a valid token and the backend echoes the security context', async () => {
    const { status, body } = await get(path, `Bearer ${valid}`)
    expect(status).toBe(200)
    expect(body.securityContext).toStrictEqual(CLAIMS)
    const context = contextOf(body.authorizer as Record<string, unknown>)
    expect(JSON.parse(String(context.securityContext))).toStrictEqual(CLAIMS)
    expect(context).toMatchObject({ sub: 'alice', tenant: 'acme', role: 'analyst' })
  })

  it("answers 403 to a valid token that the checkAuth example denies (a suspended user)", async () => {
    // A bare token, as @cubejs-client/core sends it.
    expect((await get(path, suspended)).status).toBe(403)
  })
})

describe('serverless-offline logs', () => {
  it('logs one decision per authorizer call, and never a token', () => {
    const { stdout } = offline.output()
    const decisions = stdout.split('\n').filter((line) => line.includes('"message":"decision"')).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(new Set(decisions.map((d) => `${String(d.outcome)}:${String(d.reason)}`))).toStrictEqual(
      new Set(['allow:ok', 'unauthorized:signature_invalid', 'deny:check_auth_denied']),
    )
    for (const token of [valid, suspended]) for (const part of token.split('.').slice(1)) expect(stdout).not.toContain(part)
    expect(stdout).not.toContain(SECRET)
  })
})
