// The built bundle with Cube API scopes and route requirements: each run a cold start in a fresh Node process.
import { describe, expect, it } from 'vitest'
import { runBundle, type BundleRun } from '../support/bundle-runner.js'
import { evaluatePolicy, policyOf } from '../support/iam-evaluator.js'
import { httpAt, restArn, restTokenAt, SCOPES_SECRET, scopedToken, WALKED_ROUTES } from '../support/scoped-events.js'

const NOW_S = Math.floor(Date.now() / 1000)
const ENV = {
  CUBEJS_API_SECRET: SCOPES_SECRET,
  AUTHORIZER_CUBE_API_SCOPES: 'true',
  AUTHORIZER_SCOPES_CLAIM: 'scope',
  AUTHORIZER_ROUTE_REQUIREMENTS: JSON.stringify([{ route: 'GET /whoami', scopes: ['whoami:read'] }]),
}
const ROUTES = [...WALKED_ROUTES, ['GET', '/whoami/request'] as const]
const TOKENS = [{ scope: 'meta whoami:read' }, { scope: 'data sql' }, { scope: 'jobs' }, {}]

const results = (run: BundleRun) => run.outcomes.map((outcome) => (outcome.ok ? outcome.result : outcome.error))
const decisions = (run: BundleRun) => run.logs.filter((entry) => entry.message === 'decision')

describe('dist/authorizer.mjs with API scopes on', () => {
  it('answers every route from a cached policy exactly as fresh per-route decisions do', async () => {
    const tokens = await Promise.all(TOKENS.map((claims) => scopedToken(claims, NOW_S)))
    // What API Gateway caches: the policy of each token's first request (here on /cubejs-api/v1/meta).
    const cachedRun = await runBundle(ENV, tokens.map((token) => restTokenAt('GET', '/cubejs-api/v1/meta', token)))
    const policies = results(cachedRun).map(policyOf)
    // Fresh decisions: HTTP API simple responses with caching off, one request per token and route.
    const freshEnv = { ...ENV, AUTHORIZER_RESPONSE_FORMAT: 'simple', AUTHORIZER_RESULT_CACHE: 'off' }
    const freshRun = await runBundle(freshEnv, tokens.flatMap((token) => ROUTES.map(([method, path]) => httpAt(method, path, token))))
    const fresh = results(freshRun) as Array<{ isAuthorized: boolean }>
    let allowed = 0
    tokens.forEach((_, t) => {
      ROUTES.forEach(([method, path], r) => {
        const cached = evaluatePolicy(policies[t] ?? { Statement: [] }, restArn(method, path))
        const expected = fresh[t * ROUTES.length + r]?.isAuthorized
        expect(cached === 'allow', `token ${t} on ${method} ${path}`).toBe(expected)
        if (expected === true) allowed++
      })
    })
    // Both answers occur: the check is not vacuous.
    expect(allowed).toBeGreaterThan(10)
    expect(allowed).toBeLessThan(tokens.length * ROUTES.length - 10)
    expect(decisions(freshRun).filter((d) => d.reason === 'route_denied').length).toBe(tokens.length * ROUTES.length - allowed)
  })

  it('denies with the explicit Deny: meta token on load and jobs, data token on meta; the route rule on /whoami', async () => {
    const [metaToken, dataToken] = await Promise.all([scopedToken({ scope: 'meta whoami:read' }, NOW_S), scopedToken({ scope: 'data' }, NOW_S)])
    const run = await runBundle(ENV, [restTokenAt('GET', '/whoami', metaToken), restTokenAt('GET', '/whoami', dataToken)])
    const [meta, data] = results(run).map(policyOf)
    if (meta === undefined || data === undefined) throw new Error('two policies expected')
    expect(evaluatePolicy(meta, restArn('GET', '/cubejs-api/v1/meta'))).toBe('allow')
    expect(evaluatePolicy(meta, restArn('GET', '/whoami'))).toBe('allow')
    expect(evaluatePolicy(meta, restArn('POST', '/cubejs-api/v1/load'))).toBe('explicit-deny')
    expect(evaluatePolicy(meta, restArn('POST', '/cubejs-api/v1/pre-aggregations/jobs'))).toBe('explicit-deny')
    expect(evaluatePolicy(data, restArn('GET', '/cubejs-api/v1/meta'))).toBe('explicit-deny')
    expect(evaluatePolicy(data, restArn('GET', '/whoami'))).toBe('explicit-deny')
    expect(evaluatePolicy(data, restArn('POST', '/cubejs-api/v1/load'))).toBe('allow')
    expect(decisions(run).map((d) => [d.outcome, d.api_scopes, d.route_decision, d.rule_count])).toEqual([
      ['allow', 'meta', 'allow', 11],
      ['allow', 'data', 'deny', 11],
    ])
  })

  it('fails closed (500) when the policy does not fit 8 KB, logging the rule count', async () => {
    const rules = JSON.stringify(Array.from({ length: 150 }, (_, i) => ({ route: `GET /catalog/item-${i}/details` })))
    const run = await runBundle({ CUBEJS_API_SECRET: SCOPES_SECRET, AUTHORIZER_ROUTE_REQUIREMENTS: rules }, [
      restTokenAt('GET', '/catalog/item-1/details', await scopedToken({}, NOW_S)),
    ])
    expect(results(run)).toEqual([{ type: 'Error', message: 'Authorizer error: policy_too_large' }])
    expect(decisions(run)).toEqual([expect.objectContaining({ outcome: 'error', reason: 'policy_too_large', rule_count: 150 })])
  })

  it('refuses simple responses with per-token caching, and warns at cold start about an unknown default scope', async () => {
    const token = await scopedToken({}, NOW_S)
    const refused = await runBundle({ ...ENV, AUTHORIZER_RESPONSE_FORMAT: 'simple' }, [httpAt('GET', '/cubejs-api/v1/meta', token)])
    expect(results(refused)).toEqual([{ type: 'Error', message: 'Authorizer error: config_invalid' }])
    expect(decisions(refused)[0]).toMatchObject({ setting: 'AUTHORIZER_RESULT_CACHE' })
    const warned = await runBundle({ ...ENV, CUBEJS_DEFAULT_API_SCOPES: 'meta,metta' }, [restTokenAt('GET', '/cubejs-api/v1/meta', token)])
    expect(warned.logs.filter((l) => l.message === 'scope_unknown')).toEqual([
      expect.objectContaining({ level: 'warn', setting: 'CUBEJS_DEFAULT_API_SCOPES', detail: 'unknown API scopes ignored: metta' }),
    ])
    expect(decisions(warned)[0]).toMatchObject({ outcome: 'allow', api_scopes: 'meta', scope_notes: 'scopes_default' })
  })
})
