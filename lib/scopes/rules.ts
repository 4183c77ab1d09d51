// Route rules: a method and an API Gateway path pattern, and what a token needs there (Cube scopes or our own).
import type { ApiScope } from './cube.js'
import { wildcardMatch } from './wildcard.js'

export type ClaimValue = string | number | boolean

export interface RouteRule {
  /** What a configuration error or log names: `rule 3` of AUTHORIZER_ROUTE_REQUIREMENTS, or `cube scope data`. */
  readonly label: string
  /** Upper-case HTTP method, or `*` for any. */
  readonly method: string
  /** API Gateway resource path pattern, starting with `/`; `*` and `?` are wildcards. */
  readonly path: string
  /** A Cube API scope the request's granted scopes must include. */
  readonly apiScope?: ApiScope
  /** Scope names the token's scopes claim must all include. */
  readonly scopes?: readonly string[]
  /** Claims of the security context that must match: equal, or one of a list; an array claim must contain the value. */
  readonly claims?: Readonly<Record<string, ClaimValue | readonly ClaimValue[]>>
}

/** What one request brings to the rules. */
export interface Grants {
  readonly apiScopes: readonly ApiScope[]
  readonly tokenScopes: readonly string[]
  readonly claims: Readonly<Record<string, unknown>>
}

/** The part of an execute-api resource after the stage: `GET/orders/1` for a request, `*` + `/orders/*` for a rule. */
export const rulePattern = (rule: RouteRule): string => `${rule.method}${rule.path}`

export function ruleMatches(rule: RouteRule, methodAndPath: string): boolean {
  return wildcardMatch(rulePattern(rule), methodAndPath)
}

export function ruleSatisfied(rule: RouteRule, grants: Grants): boolean {
  if (rule.apiScope !== undefined && !grants.apiScopes.includes(rule.apiScope)) return false
  if (rule.scopes !== undefined && !rule.scopes.every((scope) => grants.tokenScopes.includes(scope))) return false
  if (rule.claims !== undefined) {
    for (const name of Object.keys(rule.claims)) {
      if (!Object.hasOwn(grants.claims, name)) return false
      const expected = rule.claims[name]
      const wanted: readonly ClaimValue[] = Array.isArray(expected) ? expected : [expected as ClaimValue]
      const actual = grants.claims[name]
      const ok = Array.isArray(actual) ? actual.some((item) => wanted.includes(item as ClaimValue)) : wanted.includes(actual as ClaimValue)
      if (!ok) return false
    }
  }
  return true
}
