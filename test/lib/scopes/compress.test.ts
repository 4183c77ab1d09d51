// Compression of the resource lists: shorter, and not one answer changed, on random rule sets and requests.
import { describe, expect, it } from 'vitest'
import { compressPatterns, minimal } from '../../../lib/scopes/compress.js'
import { RouteDecision, decideRoute, routePatterns } from '../../../lib/scopes/decide.js'
import type { RouteRule } from '../../../lib/scopes/rules.js'
import { UnscopedRoutes, type AccessConfig } from '../../../lib/settings/access.js'
import { evaluatePolicy } from '../../support/iam-evaluator.js'

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number) {
  let a = seed
  const next = () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  return { next, pick }
}

const SEGMENTS = ['a', 'ab', 'b', 'orders', 'o', '1', '12', '*', '?', 'x*', 'a?']
const METHODS = ['GET', 'POST', 'DELETE', '*']

function randomPath(r: ReturnType<typeof random>, maxSegments: number): string {
  const count = 1 + Math.floor(r.next() * maxSegments)
  return Array.from({ length: count }, () => `/${r.pick(SEGMENTS)}`).join('') + (r.next() < 0.3 ? '*' : '')
}

const policyOf = (stage: string, allow: readonly string[], deny: readonly string[]) => ({
  Statement: [
    ...(allow.length > 0 ? [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: allow.map((p) => `${stage}/${p}`) }] : []),
    ...(deny.length > 0 ? [{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: deny.map((p) => `${stage}/${p}`) }] : []),
  ],
})

const STAGE = 'arn:aws:execute-api:us-east-1:123456789012:abc/prod'

describe('compressPatterns', () => {
  it.each([UnscopedRoutes.DENY, UnscopedRoutes.ALLOW])('changes no answer on 300 random rule sets (unscoped routes %s)', (unscoped) => {
    const r = random(unscoped === UnscopedRoutes.DENY ? 13 : 31)
    let shortened = 0
    for (let round = 0; round < 300; round++) {
      const rules: RouteRule[] = Array.from({ length: 1 + Math.floor(r.next() * 12) }, (_, i) => ({
        label: `rule ${i}`,
        method: r.pick(METHODS),
        path: randomPath(r, 3),
        claims: { grant: r.next() < 0.5 },
      }))
      const access: AccessConfig = { cubeApiScopes: false, scopesClaim: undefined, defaultApiScopes: [], unscopedRoutes: unscoped, resultCache: 'per-token', rules, requirementCount: rules.length }
      const grants = { apiScopes: [], tokenScopes: [], claims: { grant: true } }
      const raw = routePatterns(access, grants)
      const compressed = compressPatterns(raw, unscoped)
      const [before, after] = [policyOf(STAGE, raw.allow, raw.deny), policyOf(STAGE, compressed.allow, compressed.deny)]
      if (JSON.stringify(after).length < JSON.stringify(before).length) shortened++
      for (let k = 0; k < 60; k++) {
        const route = `${r.pick(['GET', 'POST', 'DELETE', 'PUT'])}${randomPath(r, 4).replace(/[*?]/g, () => r.pick(['', 'z', '/q']))}`
        const arn = `${STAGE}/${route}`
        const fresh = decideRoute(access, grants, route) === RouteDecision.ALLOW
        expect(evaluatePolicy(before, arn) === 'allow', `${JSON.stringify(rules)} ${route}`).toBe(fresh)
        expect(evaluatePolicy(after, arn) === 'allow', `${JSON.stringify(compressed)} ${route}`).toBe(fresh)
        // An explicit Deny stays explicit: widening never turns it into an implicit one.
        if (evaluatePolicy(before, arn) === 'explicit-deny') expect(evaluatePolicy(after, arn)).toBe('explicit-deny')
      }
    }
    expect(shortened).toBeGreaterThan(20)
  })
})

describe('minimal', () => {
  it('drops what another pattern covers and keeps the first of patterns covering each other', () => {
    expect(minimal(['GET/orders/*/items', 'GET/orders/*', 'GET/orders/1', 'POST/orders/1'])).toEqual(['GET/orders/*', 'POST/orders/1'])
    expect(minimal(['GET/a*', 'GET/a**', 'GET/a*'])).toEqual(['GET/a*'])
    expect(minimal(['*/x*', 'GET/y/x/z'])).toEqual(['*/x*'])
  })
})
