// API Gateway's 8 KB: compression keeps every answer and lets more rules fit; what still does not fit fails closed (500).
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../../lib/authorizer.js'
import { MAX_RESULT_BYTES } from '../../../lib/gateway/policy.js'
import { compressPatterns } from '../../../lib/scopes/compress.js'
import { decideRoute, routePatterns } from '../../../lib/scopes/decide.js'
import type { Grants } from '../../../lib/scopes/rules.js'
import { parseAccessConfig } from '../../../lib/settings/access.js'
import type { Settings } from '../../../lib/settings/env.js'
import { evaluatePolicy, policyOf } from '../../support/iam-evaluator.js'
import { restArn, restTokenAt, SCOPES_SECRET, scopedToken } from '../../support/scoped-events.js'
import { ARN_PREFIX, capturedLogger } from '../../support/tokens.js'

const NOW_MS = Date.UTC(2025, 5, 1, 12, 0, 0)
const STAGE = `${ARN_PREFIX}/prod`
const tenant = (i: number) => `tenant-${String(i).padStart(4, '0')}`

/** One rule per tenant: GET and POST under /tenants/<id>/ need the token's tenant claim (a common multi-tenant table). */
function tenantRules(count: number): string {
  return JSON.stringify(
    Array.from({ length: count }, (_, i) => [
      { route: `GET /tenants/${tenant(i)}/*`, claims: { tenant: tenant(i) } },
      { route: `POST /tenants/${tenant(i)}/reports`, claims: { tenant: tenant(i), role: 'analyst' } },
    ]).flat(),
  )
}

function settingsFor(rules: string, unscoped = 'deny'): Settings {
  return { CUBEJS_API_SECRET: SCOPES_SECRET, AUTHORIZER_ROUTE_REQUIREMENTS: rules, AUTHORIZER_UNSCOPED_ROUTES: unscoped }
}

/** Bytes of the policy part of a result, with or without compression. */
function policyBytes(settings: Settings, grants: Grants, compressed: boolean): number {
  const access = parseAccessConfig(settings, { simpleResponses: false, routePolicyScope: false }, () => {})
  if (access === undefined) throw new Error('rules expected')
  const raw = routePatterns(access, grants)
  const { allow, deny } = compressed ? compressPatterns(raw, access.unscopedRoutes) : raw
  const statement = (Effect: string, list: readonly string[]) => ({ Action: 'execute-api:Invoke', Effect, Resource: list.map((p) => `${STAGE}/${p}`) })
  const Statement = [...(allow.length > 0 ? [statement('Allow', allow)] : []), ...(deny.length > 0 ? [statement('Deny', deny)] : [])]
  return Buffer.byteLength(JSON.stringify({ principalId: 'scoped-user', policyDocument: { Version: '2012-10-17', Statement } }))
}

/** The most tenants whose policy fits 8 KB, by bisection. */
function mostTenantsThatFit(compressed: boolean): number {
  const grants: Grants = { apiScopes: [], tokenScopes: [], claims: { tenant: tenant(7), role: 'analyst' } }
  let [low, high] = [1, 250]
  while (low < high) {
    const mid = Math.ceil((low + high) / 2)
    if (policyBytes(settingsFor(tenantRules(mid)), grants, compressed) <= MAX_RESULT_BYTES) low = mid
    else high = mid - 1
  }
  return low
}

function authorizer(settings: Settings) {
  const log = capturedLogger(() => NOW_MS)
  return { handler: createAuthorizer({ settings: () => ({ ...settings }), now: () => NOW_MS, logger: log.logger }), log }
}

describe('policy compression', () => {
  it('lets several times more tenant rules fit in 8 KB', () => {
    const before = mostTenantsThatFit(false)
    const after = mostTenantsThatFit(true)
    // Measured: 44 tenants (88 rules) uncompressed; compressed, all 250 (500 rules, the most the setting accepts).
    expect(before).toBeLessThan(60)
    expect(after).toBe(250)
  })

  it('changes no answer: compressed and uncompressed policies agree with the rules on every route tried', async () => {
    const settings = settingsFor(tenantRules(40))
    const { handler } = authorizer(settings)
    const claims = { tenant: tenant(7), role: 'analyst' }
    const policy = policyOf(await handler(restTokenAt('GET', `/tenants/${tenant(7)}/x`, await scopedToken(claims, NOW_MS / 1000))))
    const access = parseAccessConfig(settings, { simpleResponses: false, routePolicyScope: false }, () => {})
    if (access === undefined) throw new Error('rules expected')
    const grants: Grants = { apiScopes: [], tokenScopes: [], claims }
    const paths = [
      ...[0, 6, 7, 8, 17, 39, 40, 700].flatMap((i) => [`/tenants/${tenant(i)}/a`, `/tenants/${tenant(i)}/reports`, `/tenants/${tenant(i)}`]),
      '/tenants/', '/tenants/tenant-00', '/tenants/tenant-0007x/a', '/other', '/tenants/tenant-0007/../tenant-0001/a',
    ]
    for (const method of ['GET', 'POST', 'PUT']) {
      for (const path of paths) {
        const expected = decideRoute(access, grants, `${method}${path}`)
        expect(evaluatePolicy(policy, restArn(method, path)) === 'allow', `${method} ${path}`).toBe(expected === 'allow')
      }
    }
    expect(evaluatePolicy(policy, restArn('GET', `/tenants/${tenant(8)}/a`))).toBe('explicit-deny')
  })
})

describe('a policy that does not fit 8 KB', () => {
  // Every one of these rules is granted, so there is no Deny to widen: the Allow list alone is over the limit.
  const open = JSON.stringify(Array.from({ length: 120 }, (_, i) => ({ route: `GET /catalog/item-${i}/details` })))

  it('fails closed with a 500, logged as policy_too_large with the rule count', async () => {
    const { handler, log } = authorizer(settingsFor(open))
    await expect(handler(restTokenAt('GET', '/catalog/item-1/details', await scopedToken({}, NOW_MS / 1000)))).rejects.toThrow(
      'Authorizer error: policy_too_large',
    )
    const [decision] = log.named('decision')
    expect(decision).toMatchObject({ outcome: 'error', reason: 'policy_too_large', rule_count: 120, level: 'error' })
    expect(String(decision?.detail)).toMatch(/120 rules is \d+ bytes/)
  })

  it('fits again with fewer rules', async () => {
    const fewer = JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ route: `GET /catalog/item-${i}/details` })))
    const { handler } = authorizer(settingsFor(fewer))
    const result = await handler(restTokenAt('GET', '/catalog/item-1/details', await scopedToken({}, NOW_MS / 1000)))
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThanOrEqual(MAX_RESULT_BYTES)
  })
})
