// Builds the result when API scopes or route requirements are on: the stage-wide Allow/Deny pair, or a per-route answer.
import { AuthorizerError, ErrorCode } from '../errors.js'
import { ResponseFormat, type Config } from '../settings/config.js'
import { UnscopedRoutes, type AccessConfig } from '../settings/access.js'
import { compressPatterns } from '../scopes/compress.js'
import { decideRoute, RouteDecision, routePatterns, type RoutePatterns } from '../scopes/decide.js'
import { ruleSatisfied, type Grants } from '../scopes/rules.js'
import type { SecurityContext } from '../security-context.js'
import { EventKind, type AuthorizerRequest } from './event.js'
import {
  buildContext, iamResult, iamStatementsResult, MAX_RESULT_BYTES, parseExecuteApiArn, resultBytes, simpleResult,
  type PolicyStatement,
} from './policy.js'
import type { AuthorizerResult } from './result.js'

export interface ScopedAnswer {
  readonly result: AuthorizerResult
  /** The answer for the request's own route (what the policy says about it). */
  readonly decision: RouteDecision
}

export type ScopedResults = (request: AuthorizerRequest, principalId: string, grants: Grants, securityContext: SecurityContext) => ScopedAnswer

/** Compressed lists per set of satisfied rules: a few distinct sets serve every token of a deployment. */
const MAX_CACHED_LISTS = 64

export function createScopedResults(config: Config, access: AccessConfig): ScopedResults {
  const lists = new Map<string, RoutePatterns>()
  const listsFor = (grants: Grants): RoutePatterns => {
    const key = access.rules.map((rule) => (ruleSatisfied(rule, grants) ? '1' : '0')).join('')
    let patterns = lists.get(key)
    if (patterns === undefined) {
      patterns = compressPatterns(routePatterns(access, grants), access.unscopedRoutes)
      if (lists.size >= MAX_CACHED_LISTS) lists.clear()
      lists.set(key, patterns)
    }
    return patterns
  }

  return (request, principalId, grants, securityContext) => {
    const arn = parseExecuteApiArn(request.arn)
    // WebSocket route keys have no method and path for rules to match: the stage follows AUTHORIZER_UNSCOPED_ROUTES.
    const decision = arn.websocket
      ? access.unscopedRoutes === UnscopedRoutes.ALLOW ? RouteDecision.ALLOW : RouteDecision.DENY
      : decideRoute(access, grants, arn.route)
    const context = buildContext(securityContext)
    if (access.cubeApiScopes) context.apiScopes = grants.apiScopes.join(',')
    const perRoute = arn.websocket || (config.responseFormat === ResponseFormat.SIMPLE && request.kind === EventKind.HTTP_REQUEST)
    if (perRoute) {
      if (decision === RouteDecision.DENY) throw new AuthorizerError(ErrorCode.ROUTE_DENIED, 'route not granted')
      return { decision, result: arn.websocket ? iamResult(principalId, 'Allow', `${arn.stage}/*`, context) : simpleResult(true, context) }
    }
    const { allow, deny } = listsFor(grants)
    const statements: PolicyStatement[] = []
    if (allow.length > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allow.map((p) => `${arn.stage}/${p}`) })
    if (deny.length > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: deny.map((p) => `${arn.stage}/${p}`) })
    const policyOnly = { principalId, policyDocument: { Version: '2012-10-17', Statement: statements } }
    // Fail closed: a shorter policy would have to drop a Deny (widening) or an Allow (breaking routes) silently.
    const bytes = resultBytes(policyOnly)
    if (bytes > MAX_RESULT_BYTES)
      throw new AuthorizerError(ErrorCode.POLICY_TOO_LARGE, `policy of ${access.rules.length} rules is ${bytes} bytes, above 8 KB`)
    return { decision, result: iamStatementsResult(principalId, statements, context) }
  }
}
