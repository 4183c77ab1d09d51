// The access decision, two ways that must agree: per request (simple responses, logs) and as the stage-wide statement lists.
import { UnscopedRoutes, type AccessConfig } from '../settings/access.js'
import { ruleMatches, rulePattern, ruleSatisfied, type Grants } from './rules.js'

export const RouteDecision = { ALLOW: 'allow', DENY: 'deny' } as const
export type RouteDecision = (typeof RouteDecision)[keyof typeof RouteDecision]

/**
 * The answer for one request, `GET/orders/1` (method, then the path as in the ARN). A request must satisfy every rule
 * whose route matches it; one that matches no rule follows AUTHORIZER_UNSCOPED_ROUTES. This is exactly what API
 * Gateway makes of the statement lists below: an explicit Deny wins, then any Allow, else the implicit deny.
 */
export function decideRoute(access: AccessConfig, grants: Grants, methodAndPath: string): RouteDecision {
  let matched = false
  for (const rule of access.rules) {
    if (!ruleMatches(rule, methodAndPath)) continue
    if (!ruleSatisfied(rule, grants)) return RouteDecision.DENY
    matched = true
  }
  return matched || access.unscopedRoutes === UnscopedRoutes.ALLOW ? RouteDecision.ALLOW : RouteDecision.DENY
}

/** Resource patterns after the stage (`*` + `/cubejs-api/v1/load*`), uncompressed. */
export interface RoutePatterns {
  readonly allow: readonly string[]
  readonly deny: readonly string[]
}

export function routePatterns(access: AccessConfig, grants: Grants): RoutePatterns {
  const allow: string[] = []
  const deny: string[] = []
  for (const rule of access.rules) (ruleSatisfied(rule, grants) ? allow : deny).push(rulePattern(rule))
  // Unscoped routes allowed: the whole stage, minus the explicit Deny of what is not granted.
  return { allow: access.unscopedRoutes === UnscopedRoutes.ALLOW ? ['*/*'] : allow, deny }
}
