// Parses the settings of Cube API scopes and per-route requirements into one immutable access configuration.
import { configError } from '../errors.js'
import type { Settings } from './env.js'
import { parseBoolean, parseChoice, parseList, parseOptional } from './values.js'
import { CUBE_DEFAULT_API_SCOPES, partitionScopes, type ApiScope } from '../scopes/cube.js'
import { cubeScopePatterns } from '../scopes/cube-routes.js'
import type { RouteRule } from '../scopes/rules.js'
import { parseRouteRequirements } from './route-requirements.js'

export const UnscopedRoutes = { ALLOW: 'allow', DENY: 'deny' } as const
export type UnscopedRoutes = (typeof UnscopedRoutes)[keyof typeof UnscopedRoutes]

/** What API Gateway's result cache is keyed on; only `per-token` lets one answer serve several routes. */
export const ResultCache = { PER_TOKEN: 'per-token', PER_ROUTE: 'per-route', OFF: 'off' } as const
export type ResultCache = (typeof ResultCache)[keyof typeof ResultCache]

export interface AccessConfig {
  readonly cubeApiScopes: boolean
  /** The payload claim holding the token's scopes (space-separated string or list). */
  readonly scopesClaim: string | undefined
  /** CUBEJS_DEFAULT_API_SCOPES (known names only), else Cube's default set. */
  readonly defaultApiScopes: readonly ApiScope[]
  readonly unscopedRoutes: UnscopedRoutes
  readonly resultCache: ResultCache
  /** Cube's scope rules (when on), then AUTHORIZER_ROUTE_REQUIREMENTS in order. */
  readonly rules: readonly RouteRule[]
  /** How many rules came from AUTHORIZER_ROUTE_REQUIREMENTS. */
  readonly requirementCount: number
}

export interface AccessContext {
  readonly simpleResponses: boolean
  readonly routePolicyScope: boolean
}

export type ScopeWarning = (setting: string, detail: string) => void

const DEFAULT_BASE_PATH = '/cubejs-api'

export function parseBasePath(value: string | undefined): string {
  const path = parseOptional(value)?.trim() ?? DEFAULT_BASE_PATH
  if (!/^\/[A-Za-z0-9._~!$&'()+,;=:@%/-]*$/.test(path) || (path.length > 1 && path.endsWith('/')) || path.includes('//'))
    throw configError('AUTHORIZER_CUBE_BASE_PATH', 'must be a path like /cubejs-api: leading /, no trailing /, no wildcards')
  return path
}

/** undefined when neither Cube scopes nor route requirements are on: today's stage-wide Allow. */
export function parseAccessConfig(settings: Settings, context: AccessContext, warn: ScopeWarning): AccessConfig | undefined {
  const cubeApiScopes = parseBoolean('AUTHORIZER_CUBE_API_SCOPES', settings.AUTHORIZER_CUBE_API_SCOPES, false)
  const requirements = parseRouteRequirements(settings.AUTHORIZER_ROUTE_REQUIREMENTS)
  const basePath = parseBasePath(settings.AUTHORIZER_CUBE_BASE_PATH)
  const scopesClaim = parseOptional(settings.AUTHORIZER_SCOPES_CLAIM)?.trim()
  const defaultApiScopes = parseDefaultScopes(settings.CUBEJS_DEFAULT_API_SCOPES, warn)
  const unscopedRoutes = parseChoice('AUTHORIZER_UNSCOPED_ROUTES', settings.AUTHORIZER_UNSCOPED_ROUTES, Object.values(UnscopedRoutes), UnscopedRoutes.DENY)
  const resultCache = parseChoice('AUTHORIZER_RESULT_CACHE', settings.AUTHORIZER_RESULT_CACHE, Object.values(ResultCache), ResultCache.PER_TOKEN)
  if (!cubeApiScopes && requirements.length === 0) return undefined
  const needsClaim = requirements.findIndex((rule) => rule.scopes !== undefined)
  if (needsClaim >= 0 && scopesClaim === undefined)
    throw configError('AUTHORIZER_SCOPES_CLAIM', `must name the token's scopes claim: AUTHORIZER_ROUTE_REQUIREMENTS[${needsClaim}] requires scopes`)
  // A per-request answer that API Gateway caches per token would be replayed on the token's other routes.
  if (context.simpleResponses && resultCache === ResultCache.PER_TOKEN)
    throw configError(
      'AUTHORIZER_RESULT_CACHE',
      'AUTHORIZER_RESPONSE_FORMAT=simple answers for one route: set per-route (identity source includes $context.routeKey) or off (resultTtlInSeconds: 0)',
    )
  if (context.routePolicyScope)
    throw configError('AUTHORIZER_POLICY_SCOPE', 'route cannot be combined with API scopes or route requirements: their policy answers for every route')
  const cubeRules: RouteRule[] = cubeApiScopes
    ? cubeScopePatterns(basePath).map(({ scope, path }) => Object.freeze({ label: `cube scope ${scope}`, method: '*', path, apiScope: scope }))
    : []
  return Object.freeze({
    cubeApiScopes,
    scopesClaim,
    defaultApiScopes,
    unscopedRoutes,
    resultCache,
    rules: Object.freeze([...cubeRules, ...requirements]),
    requirementCount: requirements.length,
  })
}

function parseDefaultScopes(value: string | undefined, warn: ScopeWarning): readonly ApiScope[] {
  if (value === undefined || value.trim() === '') return CUBE_DEFAULT_API_SCOPES
  const { known, unknown } = partitionScopes(parseList(value))
  // Scope names are not secrets: naming the unknown ones is what makes the typo findable.
  if (unknown.length > 0) warn('CUBEJS_DEFAULT_API_SCOPES', `unknown API scopes ignored: ${unknown.join(', ')}`)
  return Object.freeze(known)
}
