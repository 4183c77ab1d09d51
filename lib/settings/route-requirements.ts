// Parses AUTHORIZER_ROUTE_REQUIREMENTS: a JSON list of rules; every error names the rule by its index.
import { AuthorizerError, configError, ErrorCode } from '../errors.js'
import { isPlainObject } from '../is-plain-object.js'
import type { ClaimValue, RouteRule } from '../scopes/rules.js'

const SETTING = 'AUTHORIZER_ROUTE_REQUIREMENTS'
/** Enough for real route tables; far more would not fit the 8 KB policy anyway. */
export const MAX_ROUTE_RULES = 500
const MAX_ROUTE_LENGTH = 512
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'ANY', '*'] as const
const RULE_KEYS = new Set(['route', 'scopes', 'claims'])
// Characters of a request path as API Gateway puts it in an ARN, plus the wildcards; never whitespace.
const PATH = /^\/[A-Za-z0-9._~!$&'()+,;=:@%*?/-]*$/

const isClaimValue = (value: unknown): value is ClaimValue =>
  typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))

export function parseRouteRequirements(value: string | undefined): readonly RouteRule[] {
  if (value === undefined || value.trim() === '') return Object.freeze([])
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    throw configError(SETTING, 'is not valid JSON')
  }
  if (!Array.isArray(parsed)) throw configError(SETTING, 'must be a JSON array of rules')
  if (parsed.length > MAX_ROUTE_RULES) throw configError(SETTING, `has more than ${MAX_ROUTE_RULES} rules`)
  return Object.freeze(parsed.map((rule: unknown, index) => parseRule(rule, `${SETTING}[${index}]`)))
}

function parseRule(rule: unknown, label: string): RouteRule {
  // `AUTHORIZER_ROUTE_REQUIREMENTS[2]: ...` names the setting and the rule at once.
  const fail = (message: string) => new AuthorizerError(ErrorCode.CONFIG_INVALID, `${label}: ${message}`, { setting: SETTING })
  if (!isPlainObject(rule)) throw fail('must be an object { "route": "METHOD /path", "scopes": [...], "claims": {...} }')
  for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) throw fail(`unknown key (allowed: route, scopes, claims)`)
  if (typeof rule.route !== 'string') throw fail('route must be a string "METHOD /path"')
  const match = /^(\S+)[ \t]+(\S+)$/.exec(rule.route.trim())
  const method = match?.[1]?.toUpperCase()
  const path = match?.[2]
  if (method === undefined || path === undefined) throw fail('route must be "METHOD /path", e.g. "GET /orders/*"')
  if (!(METHODS as readonly string[]).includes(method)) throw fail(`route method must be one of ${METHODS.join(', ')}`)
  if (path.length > MAX_ROUTE_LENGTH) throw fail(`route path is longer than ${MAX_ROUTE_LENGTH} characters`)
  if (path.includes('{') || path.includes('}')) throw fail('route path matches the request path, not a template: write * for {param}')
  if (!PATH.test(path)) throw fail('route path must start with / and hold only URL path characters, * and ?')
  const parsed: { label: string; method: string; path: string; scopes?: readonly string[]; claims?: NonNullable<RouteRule['claims']> } = {
    label,
    method: method === 'ANY' ? '*' : method,
    path,
  }
  if (rule.scopes !== undefined) {
    const scopes = rule.scopes
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === 'string' && /^\S+$/.test(s)))
      throw fail('scopes must be a non-empty list of scope names without spaces')
    parsed.scopes = Object.freeze([...new Set(scopes as string[])])
  }
  if (rule.claims !== undefined) parsed.claims = parseClaims(rule.claims, fail)
  return Object.freeze(parsed)
}

function parseClaims(claims: unknown, fail: (message: string) => Error): NonNullable<RouteRule['claims']> {
  if (!isPlainObject(claims) || Object.keys(claims).length === 0) throw fail('claims must be a non-empty object { "claim": value }')
  const out: Record<string, ClaimValue | readonly ClaimValue[]> = {}
  for (const name of Object.keys(claims)) {
    const value = claims[name]
    if (isClaimValue(value)) out[name] = value
    else if (Array.isArray(value) && value.length > 0 && value.every(isClaimValue)) out[name] = Object.freeze([...value])
    else throw fail('each claim must be a string, number, boolean or a non-empty list of them')
  }
  return Object.freeze(out)
}
