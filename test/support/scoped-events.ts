// Authorizer events for any method and path, the routes the scope tests walk, and tokens carrying scopes.
import { ARN_PREFIX, hs256, httpApiEvent } from './tokens.js'

/** At least 32 bytes, as every example and test secret. */
export const SCOPES_SECRET = 'scopes-test-secret-3f9a1c7e5b2d8046a1c3e5f7'

export const restArn = (method: string, path: string, stage = 'prod') => `${ARN_PREFIX}/${stage}/${method}${path}`

/** REST TOKEN event for METHOD path on stage prod. */
export function restTokenAt(method: string, path: string, token: string) {
  return { type: 'TOKEN', methodArn: restArn(method, path), authorizationToken: `Bearer ${token}` }
}

/** HTTP API payload 2.0 event for METHOD path on the $default stage. */
export function httpAt(method: string, path: string, token: string) {
  const event = httpApiEvent({ Authorization: `Bearer ${token}` })
  return {
    ...event,
    routeArn: restArn(method, path, '$default'),
    routeKey: `${method} ${path}`,
    rawPath: path,
    requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method, path } },
  }
}

/** Every endpoint Cube registers under /cubejs-api with a concrete path, plus routes outside any scope. */
export const WALKED_ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/cubejs-api/graphql'],
  ['POST', '/cubejs-api/graphql'],
  ['POST', '/cubejs-api/graphql/batch'],
  ['POST', '/cubejs-api/v1/graphql-to-json'],
  ['GET', '/cubejs-api/v1/load'],
  ['POST', '/cubejs-api/v1/load'],
  ['GET', '/cubejs-api/v1/load/'],
  ['GET', '/cubejs-api/v1/subscribe'],
  ['POST', '/cubejs-api/v1/subscribe'],
  ['GET', '/cubejs-api/v1/sql'],
  ['POST', '/cubejs-api/v1/sql'],
  ['GET', '/cubejs-api/v1/dry-run'],
  ['POST', '/cubejs-api/v1/dry-run'],
  ['POST', '/cubejs-api/v1/convert-query'],
  ['DELETE', '/cubejs-api/v1/running-query/req-123'],
  ['GET', '/cubejs-api/v1/meta'],
  ['POST', '/cubejs-api/v1/cubesql'],
  ['POST', '/cubejs-api/v1/pre-aggregations/can-use'],
  ['POST', '/cubejs-api/v1/pre-aggregations/jobs'],
  ['GET', '/livez'],
  ['GET', '/readyz'],
  ['GET', '/whoami'],
  ['GET', '/'],
  ['GET', '/cubejs-api/v2/anything'],
]

export function scopedToken(claims: Record<string, unknown>, nowSeconds: number): Promise<string> {
  return hs256(SCOPES_SECRET, { sub: 'scoped-user', iat: nowSeconds, exp: nowSeconds + 3600, ...claims })
}
