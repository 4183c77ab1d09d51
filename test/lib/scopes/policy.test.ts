// The scoped policy through createAuthorizer: granted routes allowed, the others denied explicitly, and one cached policy
// giving, on every route, the answer a fresh decision there gives (checked with the independent evaluator in test/support).
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../../lib/authorizer.js'
import type { ContextToApiScopes } from '../../../lib/scopes/cube.js'
import type { Settings } from '../../../lib/settings/env.js'
import { evaluatePolicy, policyOf, type IamAnswer } from '../../support/iam-evaluator.js'
import { httpAt, restArn, restTokenAt, SCOPES_SECRET, scopedToken, WALKED_ROUTES } from '../../support/scoped-events.js'
import { ARN_PREFIX, capturedLogger } from '../../support/tokens.js'

const NOW_MS = Date.UTC(2025, 5, 1, 12, 0, 0)
const NOW_S = NOW_MS / 1000
const STAGE = `${ARN_PREFIX}/prod`
const BASE: Settings = { CUBEJS_API_SECRET: SCOPES_SECRET, AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_SCOPES_CLAIM: 'scope' }

function authorizer(settings: Settings, contextToApiScopes?: ContextToApiScopes) {
  const log = capturedLogger(() => NOW_MS)
  const handler = createAuthorizer({ settings: () => ({ ...settings }), now: () => NOW_MS, logger: log.logger, ...(contextToApiScopes ? { contextToApiScopes } : {}) })
  return { handler, log }
}

/** The IAM policy a REST TOKEN request at METHOD path gets (what API Gateway would cache for the token). */
async function policyAt(settings: Settings, claims: Record<string, unknown>, method = 'GET', path = '/cubejs-api/v1/meta', contextToApiScopes?: ContextToApiScopes) {
  const { handler } = authorizer(settings, contextToApiScopes)
  return policyOf(await handler(restTokenAt(method, path, await scopedToken(claims, NOW_S))))
}

/** A fresh decision for one route: an HTTP API simple response with caching off, so nothing is reused. */
async function freshDecision(settings: Settings, claims: Record<string, unknown>, method: string, path: string, contextToApiScopes?: ContextToApiScopes) {
  const { handler } = authorizer({ ...settings, AUTHORIZER_RESPONSE_FORMAT: 'simple', AUTHORIZER_RESULT_CACHE: 'off' }, contextToApiScopes)
  const result = (await handler(httpAt(method, path, await scopedToken(claims, NOW_S)))) as { isAuthorized: boolean }
  return result.isAuthorized
}

const answer = (policy: ReturnType<typeof policyOf>, method: string, path: string): IamAnswer => evaluatePolicy(policy, restArn(method, path))

describe('a token with the meta scope only', () => {
  it('gets one Allow for the meta routes and one explicit Deny for the routes of every other scope', async () => {
    const policy = await policyAt(BASE, { scope: 'meta' })
    expect(policy.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: [`${STAGE}/*/cubejs-api/v1/meta*`, `${STAGE}/*/cubejs-api/v1/pre-aggregations/can-use*`],
      },
      {
        Action: 'execute-api:Invoke',
        Effect: 'Deny',
        Resource: [
          `${STAGE}/*/cubejs-api/graphql*`,
          `${STAGE}/*/cubejs-api/v1/load*`,
          `${STAGE}/*/cubejs-api/v1/subscribe*`,
          `${STAGE}/*/cubejs-api/v1/sql*`,
          `${STAGE}/*/cubejs-api/v1/dry-run*`,
          `${STAGE}/*/cubejs-api/v1/convert-query*`,
          `${STAGE}/*/cubejs-api/v1/cubesql*`,
          `${STAGE}/*/cubejs-api/v1/pre-aggregations/jobs*`,
        ],
      },
    ])
  })

  it('passes on meta routes, meets the explicit Deny elsewhere in Cube, and the implicit deny outside any scope', async () => {
    const policy = await policyAt(BASE, { scope: 'meta' })
    expect(answer(policy, 'GET', '/cubejs-api/v1/meta')).toBe('allow')
    expect(answer(policy, 'POST', '/cubejs-api/v1/pre-aggregations/can-use')).toBe('allow')
    expect(answer(policy, 'POST', '/cubejs-api/v1/load')).toBe('explicit-deny')
    expect(answer(policy, 'GET', '/cubejs-api/v1/load/')).toBe('explicit-deny')
    expect(answer(policy, 'POST', '/cubejs-api/graphql')).toBe('explicit-deny')
    expect(answer(policy, 'POST', '/cubejs-api/v1/pre-aggregations/jobs')).toBe('explicit-deny')
    expect(answer(policy, 'GET', '/livez')).toBe('implicit-deny')
    expect(answer(policy, 'POST', '/cubejs-api/v1/graphql-to-json')).toBe('implicit-deny')
  })

  it('tells the backend its scopes in the context, over a claim of the same name', async () => {
    const { handler } = authorizer(BASE)
    const result = (await handler(restTokenAt('GET', '/cubejs-api/v1/meta', await scopedToken({ scope: 'data meta', apiScopes: 'jobs' }, NOW_S)))) as {
      context: Record<string, unknown>
    }
    expect(result.context.apiScopes).toBe('meta,data')
  })
})

describe('scope sources', () => {
  it("grants Cube's default set (no jobs) to a token without the claim", async () => {
    const policy = await policyAt(BASE, {})
    expect(answer(policy, 'POST', '/cubejs-api/v1/load')).toBe('allow')
    expect(answer(policy, 'POST', '/cubejs-api/graphql')).toBe('allow')
    expect(answer(policy, 'POST', '/cubejs-api/v1/pre-aggregations/jobs')).toBe('explicit-deny')
  })

  it('lets contextToApiScopes narrow what the claim would grant', async () => {
    const onlyMeta: ContextToApiScopes = () => ['meta']
    const policy = await policyAt(BASE, { scope: 'meta data sql jobs' }, 'GET', '/cubejs-api/v1/meta', onlyMeta)
    expect(answer(policy, 'POST', '/cubejs-api/v1/load')).toBe('explicit-deny')
    expect(answer(policy, 'GET', '/cubejs-api/v1/meta')).toBe('allow')
  })

  it('allows unscoped routes with AUTHORIZER_UNSCOPED_ROUTES=allow, still denying the scopes not granted', async () => {
    const policy = await policyAt({ ...BASE, AUTHORIZER_UNSCOPED_ROUTES: 'allow' }, { scope: 'meta' })
    expect(policy.Statement[0]?.Resource).toEqual([`${STAGE}/*/*`])
    expect(answer(policy, 'GET', '/livez')).toBe('allow')
    expect(answer(policy, 'POST', '/cubejs-api/v1/load')).toBe('explicit-deny')
  })

  it('follows AUTHORIZER_CUBE_BASE_PATH', async () => {
    const policy = await policyAt({ ...BASE, AUTHORIZER_CUBE_BASE_PATH: '/analytics' }, { scope: 'meta' }, 'GET', '/analytics/v1/meta')
    expect(answer(policy, 'GET', '/analytics/v1/meta')).toBe('allow')
    expect(answer(policy, 'POST', '/analytics/v1/load')).toBe('explicit-deny')
    expect(answer(policy, 'GET', '/cubejs-api/v1/meta')).toBe('implicit-deny')
  })
})

const REQUIREMENTS = JSON.stringify([
  { route: 'GET /orders/*', scopes: ['orders:read'] },
  { route: 'POST /orders', scopes: ['orders:write'] },
  { route: 'DELETE /orders/*', scopes: ['orders:write'], claims: { role: ['admin', 'owner'] } },
  { route: 'ANY /reports/gold/*', claims: { tenant_tier: 'gold' } },
  { route: 'GET /v?/status' },
])

const SCENARIOS: ReadonlyArray<{ name: string; settings: Settings; tokens: Array<Record<string, unknown>> }> = [
  {
    name: 'Cube scopes, unscoped routes denied',
    settings: BASE,
    tokens: [{ scope: 'meta' }, { scope: 'data sql' }, { scope: 'graphql meta data sql jobs' }, { scope: '' }, {}, { scope: 'openid' }, { scope: 7 }],
  },
  { name: 'Cube scopes, unscoped routes allowed', settings: { ...BASE, AUTHORIZER_UNSCOPED_ROUTES: 'allow' }, tokens: [{ scope: 'meta' }, { scope: 'jobs' }, {}] },
  {
    name: 'route requirements and Cube scopes together',
    settings: { ...BASE, AUTHORIZER_ROUTE_REQUIREMENTS: REQUIREMENTS },
    tokens: [
      { scope: 'orders:read meta' },
      { scope: 'orders:write', role: 'admin' },
      { scope: 'orders:read orders:write', role: 'viewer', tenant_tier: 'gold' },
      { tenant_tier: ['silver', 'gold'] },
    ],
  },
  {
    name: 'route requirements alone, unscoped routes allowed',
    settings: { CUBEJS_API_SECRET: SCOPES_SECRET, AUTHORIZER_SCOPES_CLAIM: 'scp', AUTHORIZER_ROUTE_REQUIREMENTS: REQUIREMENTS, AUTHORIZER_UNSCOPED_ROUTES: 'allow' },
    tokens: [{ scp: ['orders:read'] }, { scp: ['orders:write'], role: 'owner' }, {}],
  },
]

const EXTRA_ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/orders/1'],
  ['GET', '/orders'],
  ['POST', '/orders'],
  ['DELETE', '/orders/1'],
  ['PUT', '/orders/1'],
  ['GET', '/reports/gold/q1'],
  ['POST', '/reports/gold/q1'],
  ['GET', '/reports/silver/q1'],
  ['GET', '/v1/status'],
  ['GET', '/v12/status'],
]
const ROUTES = [...WALKED_ROUTES, ...EXTRA_ROUTES]

const CUBE_UNSCOPED = ['/cubejs-api/v1/graphql-to-json', '/cubejs-api/v1/running-query/req-123', '/cubejs-api/v2/anything']
const RULED = ['GET /orders/1', 'POST /orders', 'DELETE /orders/1', 'GET /reports/gold/q1', 'POST /reports/gold/q1']

/** Routes some rule of the scenario names (the others are unscoped routes). */
function scoped(settings: Settings, method: string, path: string): boolean {
  if (settings.AUTHORIZER_CUBE_API_SCOPES === 'true' && path.startsWith('/cubejs-api/') && !CUBE_UNSCOPED.includes(path)) return true
  return settings.AUTHORIZER_ROUTE_REQUIREMENTS !== undefined && RULED.includes(`${method} ${path}`)
}

describe.each(SCENARIOS)('cache safety: $name', ({ settings, tokens }) => {
  it('gives, from a policy cached on any route, the fresh decision of every route; denied scoped routes meet the explicit Deny', async () => {
    for (const claims of tokens) {
      const fresh = new Map<string, boolean>()
      for (const [method, path] of ROUTES) fresh.set(`${method} ${path}`, await freshDecision(settings, claims, method, path))
      // A route answer must not depend on where the policy was first built: build it on three different routes.
      for (const [cachedMethod, cachedPath] of [ROUTES[0], ROUTES[4], ROUTES.at(-1)] as Array<readonly [string, string]>) {
        const policy = await policyAt(settings, claims, cachedMethod, cachedPath)
        for (const [method, path] of ROUTES) {
          const cached = answer(policy, method, path)
          const what = `${JSON.stringify(claims)} cached at ${cachedMethod} ${cachedPath}, then ${method} ${path}`
          expect(cached === 'allow', what).toBe(fresh.get(`${method} ${path}`))
          if (cached !== 'allow' && scoped(settings, method, path)) expect(cached, what).toBe('explicit-deny')
        }
      }
    }
  })
})

describe('route requirements', () => {
  const settings = { CUBEJS_API_SECRET: SCOPES_SECRET, AUTHORIZER_SCOPES_CLAIM: 'scp', AUTHORIZER_ROUTE_REQUIREMENTS: REQUIREMENTS }

  it('require every matching rule: scopes and claims, method included, with ? for one character', async () => {
    const reader = await policyAt(settings, { scp: ['orders:read'] })
    expect(answer(reader, 'GET', '/orders/1')).toBe('allow')
    expect(answer(reader, 'POST', '/orders')).toBe('explicit-deny')
    expect(answer(reader, 'DELETE', '/orders/1')).toBe('explicit-deny')
    expect(answer(reader, 'PUT', '/orders/1')).toBe('implicit-deny')
    expect(answer(reader, 'GET', '/v1/status')).toBe('allow')
    expect(answer(reader, 'GET', '/v12/status')).toBe('implicit-deny')
    const writer = await policyAt(settings, { scp: ['orders:write'], role: 'viewer' })
    expect(answer(writer, 'POST', '/orders')).toBe('allow')
    expect(answer(writer, 'DELETE', '/orders/1')).toBe('explicit-deny')
    const owner = await policyAt(settings, { scp: ['orders:write'], role: 'owner' })
    expect(answer(owner, 'DELETE', '/orders/1')).toBe('allow')
  })

  it('match claims of the security context: equal, one of a list, or contained in an array claim', async () => {
    expect(answer(await policyAt(settings, { tenant_tier: 'gold' }), 'GET', '/reports/gold/q1')).toBe('allow')
    expect(answer(await policyAt(settings, { tenant_tier: ['gold'] }), 'GET', '/reports/gold/q1')).toBe('allow')
    expect(answer(await policyAt(settings, { tenant_tier: 'silver' }), 'GET', '/reports/gold/q1')).toBe('explicit-deny')
    expect(answer(await policyAt(settings, {}), 'GET', '/reports/gold/q1')).toBe('explicit-deny')
  })
})

describe('simple responses (HTTP API) decide on the route of the request', () => {
  const simple = { ...BASE, AUTHORIZER_RESPONSE_FORMAT: 'simple', AUTHORIZER_RESULT_CACHE: 'per-route' }

  it('authorizes a granted route with the context and answers isAuthorized false, logged as route_denied, elsewhere', async () => {
    const { handler, log } = authorizer(simple)
    const token = await scopedToken({ scope: 'meta' }, NOW_S)
    const allowed = (await handler(httpAt('GET', '/cubejs-api/v1/meta', token))) as { isAuthorized: boolean; context: Record<string, unknown> }
    expect(allowed.isAuthorized).toBe(true)
    expect(allowed.context.apiScopes).toBe('meta')
    expect(await handler(httpAt('POST', '/cubejs-api/v1/load', token))).toEqual({ isAuthorized: false })
    const decisions = log.named('decision')
    expect(decisions.map((d) => [d.outcome, d.reason, d.route_decision])).toEqual([
      ['allow', 'ok', 'allow'],
      ['deny', 'route_denied', undefined],
    ])
  })

  it('refuses to start with per-token caching (500, naming AUTHORIZER_RESULT_CACHE)', async () => {
    const { handler, log } = authorizer({ ...BASE, AUTHORIZER_RESPONSE_FORMAT: 'simple' })
    await expect(handler(httpAt('GET', '/cubejs-api/v1/meta', await scopedToken({ scope: 'meta' }, NOW_S)))).rejects.toThrow('Authorizer error: config_invalid')
    expect(log.named('decision')[0]).toMatchObject({ outcome: 'error', setting: 'AUTHORIZER_RESULT_CACHE' })
  })
})

describe('decision log', () => {
  it('carries the granted Cube scopes, the rule count, the route answer and reason codes, never the unknown names', async () => {
    const { handler, log } = authorizer(BASE)
    await handler(restTokenAt('GET', '/cubejs-api/v1/load', await scopedToken({ scope: 'meta private-scope-x1' }, NOW_S)))
    const [decision] = log.named('decision')
    expect(decision).toMatchObject({ outcome: 'allow', reason: 'ok', api_scopes: 'meta', rule_count: 10, route_decision: 'deny', scope_notes: 'scope_unknown_ignored' })
    expect(log.lines.join('\n')).not.toContain('private-scope-x1')
  })

  it('warns once at start-up about unknown names in CUBEJS_DEFAULT_API_SCOPES, naming the setting', async () => {
    const { handler, log } = authorizer({ ...BASE, CUBEJS_DEFAULT_API_SCOPES: 'meta,dashbaord' })
    const token = await scopedToken({}, NOW_S)
    await handler(restTokenAt('GET', '/cubejs-api/v1/meta', token))
    await handler(restTokenAt('GET', '/cubejs-api/v1/meta', token))
    expect(log.named('scope_unknown')).toEqual([expect.objectContaining({ level: 'warn', setting: 'CUBEJS_DEFAULT_API_SCOPES', detail: 'unknown API scopes ignored: dashbaord' })])
  })

  it('warns when contextToApiScopes is given but scopes are off, and enforces nothing', async () => {
    const { handler, log } = authorizer({ CUBEJS_API_SECRET: SCOPES_SECRET }, () => ['meta'])
    const result = await handler(restTokenAt('POST', '/cubejs-api/v1/load', await scopedToken({}, NOW_S)))
    expect(policyOf(result).Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${STAGE}/*/*` }])
    expect(log.named('scopes_off')).toHaveLength(1)
  })
})

describe('WebSocket', () => {
  it('follows AUTHORIZER_UNSCOPED_ROUTES for the whole stage: its route keys carry no method and path', async () => {
    const token = await scopedToken({ scope: 'data' }, NOW_S)
    const event = { type: 'TOKEN', methodArn: `${STAGE}/$connect`, authorizationToken: `Bearer ${token}` }
    const denied = policyOf(await authorizer(BASE).handler(event))
    expect(denied.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${STAGE}/*` }])
    const allowed = policyOf(await authorizer({ ...BASE, AUTHORIZER_UNSCOPED_ROUTES: 'allow' }).handler(event))
    expect(allowed.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${STAGE}/*` }])
  })
})
