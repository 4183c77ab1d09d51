// API Gateway wildcard matching, and the cover and intersection checks the policy compression relies on, against brute force.
import { describe, expect, it } from 'vitest'
import { wildcardCovers, wildcardIntersects, wildcardMatch } from '../../../lib/scopes/wildcard.js'
import { evaluatePolicy } from '../../support/iam-evaluator.js'

/** Every string over `alphabet` up to `max` characters. */
function strings(alphabet: string[], max: number): string[] {
  const out = ['']
  let layer = ['']
  for (let n = 1; n <= max; n++) {
    layer = layer.flatMap((s) => alphabet.map((c) => s + c))
    out.push(...layer)
  }
  return out
}

const TEXTS = strings(['a', 'b', '/'], 5)
const PATTERNS = strings(['a', '/', '*', '?'], 4)
/** Which TEXTS each pattern matches, computed once: the pairwise checks below then cost a comparison each. */
const MATCHED = new Map(PATTERNS.map((p) => [p, TEXTS.map((t) => wildcardMatch(p, t))]))
const matched = (pattern: string): boolean[] => MATCHED.get(pattern) ?? []

describe('wildcardMatch', () => {
  it('lets * span slashes and ? stand for exactly one character', () => {
    expect(wildcardMatch('*/orders', 'GET/x/orders')).toBe(true)
    expect(wildcardMatch('GET/v?', 'GET/v1')).toBe(true)
    expect(wildcardMatch('GET/v?', 'GET/v')).toBe(false)
    expect(wildcardMatch('GET/load', 'GET/Load')).toBe(false)
    expect(wildcardMatch('GET/a', 'GET/a/b')).toBe(false)
  })

  it('agrees with the test IAM evaluator on every short pattern and text', () => {
    for (const pattern of PATTERNS) {
      const policy = { Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: pattern }] }
      for (const text of TEXTS) expect(wildcardMatch(pattern, text), `${pattern} ~ ${text}`).toBe(evaluatePolicy(policy, text) === 'allow')
    }
  })
})

describe('wildcardCovers', () => {
  it('never claims a cover that a string disproves (sound), and finds the plain ones', () => {
    for (const broad of PATTERNS) {
      for (const narrow of PATTERNS) {
        if (!wildcardCovers(broad, narrow)) continue
        const [b, n] = [matched(broad), matched(narrow)]
        expect(n.every((hit, i) => !hit || b[i]), `${broad} ⊇ ${narrow}`).toBe(true)
      }
    }
    expect(wildcardCovers('*/orders/*', 'GET/orders/1/items')).toBe(true)
    expect(wildcardCovers('GET/orders/*', 'GET/orders/*/items')).toBe(true)
    expect(wildcardCovers('GET/orders/?', 'GET/orders/*')).toBe(false)
  })
})

describe('wildcardIntersects', () => {
  it('is true exactly when some string matches both patterns', () => {
    // Two patterns that meet at all meet on a string no longer than both together (8), over their own alphabet.
    const texts = strings(['a', '/'], 8)
    const hits = new Map(PATTERNS.map((p) => [p, texts.map((t) => wildcardMatch(p, t))]))
    for (const a of PATTERNS) {
      const x = hits.get(a) ?? []
      for (const b of PATTERNS) {
        const y = hits.get(b) ?? []
        expect(wildcardIntersects(a, b), `${a} ∩ ${b}`).toBe(x.some((hit, i) => hit && y[i]))
      }
    }
  })
})
