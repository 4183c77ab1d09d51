// Which of Cube's endpoints needs which API scope, as registered by Cube's API gateway (initApp in gateway.js).
import type { ApiScope } from './cube.js'

export interface CubeEndpoint {
  /** `USE` for Express's app.use: every method, and every path below. */
  readonly method: 'GET' | 'POST' | 'DELETE' | 'USE'
  /** Below the base path. */
  readonly path: string
  /** undefined: Cube asks no API scope (a valid token suffices). */
  readonly scope: ApiScope | undefined
}

/** Every endpoint Cube registers below its base path; test/security/cube-scopes-differential.test.ts holds Cube to it. */
export const CUBE_ENDPOINTS: readonly CubeEndpoint[] = Object.freeze([
  { method: 'USE', path: '/graphql', scope: 'graphql' },
  { method: 'POST', path: '/v1/graphql-to-json', scope: undefined },
  { method: 'GET', path: '/v1/load', scope: 'data' },
  { method: 'POST', path: '/v1/load', scope: 'data' },
  { method: 'GET', path: '/v1/subscribe', scope: 'data' },
  { method: 'POST', path: '/v1/subscribe', scope: 'data' },
  { method: 'GET', path: '/v1/sql', scope: 'sql' },
  { method: 'POST', path: '/v1/sql', scope: 'sql' },
  { method: 'GET', path: '/v1/dry-run', scope: 'data' },
  { method: 'POST', path: '/v1/dry-run', scope: 'data' },
  { method: 'POST', path: '/v1/convert-query', scope: 'sql' },
  { method: 'DELETE', path: '/v1/running-query/:requestId', scope: undefined },
  { method: 'GET', path: '/v1/meta', scope: 'meta' },
  { method: 'POST', path: '/v1/cubesql', scope: 'data' },
  { method: 'POST', path: '/v1/pre-aggregations/can-use', scope: 'meta' },
  { method: 'POST', path: '/v1/pre-aggregations/jobs', scope: 'jobs' },
] as const)

/**
 * One resource path pattern per scoped endpoint path, any method: Cube answers 404 to the methods it does not
 * register, and the trailing `*` covers what Express also routes there (a trailing slash; `/graphql/...` for app.use).
 * No two patterns overlap, so a path belongs to exactly one scope.
 */
export function cubeScopePatterns(basePath: string): ReadonlyArray<{ readonly scope: ApiScope; readonly path: string }> {
  const base = basePath === '/' ? '' : basePath
  const seen = new Set<string>()
  const patterns: Array<{ scope: ApiScope; path: string }> = []
  for (const { path, scope } of CUBE_ENDPOINTS) {
    if (scope === undefined || seen.has(path)) continue
    seen.add(path)
    patterns.push({ scope, path: `${base}${path}*` })
  }
  return Object.freeze(patterns)
}
