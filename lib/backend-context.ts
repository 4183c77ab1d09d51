// What a backend behind the authorizer reads: the authorizer context API Gateway passes on, and the security context in it.

export type AuthorizerContext = Readonly<Record<string, unknown>>

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** `requestContext.authorizer` exactly as received: REST puts the context there (with principalId), HTTP APIs under `.lambda`. */
export function authorizerOf(event: unknown): AuthorizerContext | undefined {
  const requestContext = isObject(event) ? event.requestContext : undefined
  const authorizer = isObject(requestContext) ? requestContext.authorizer : undefined
  return isObject(authorizer) ? authorizer : undefined
}

/** The flat context our authorizer returned, for REST (payload 1.0) and HTTP API (payload 2.0) events alike. */
export function authorizerContextOf(event: unknown): AuthorizerContext | undefined {
  const authorizer = authorizerOf(event)
  if (authorizer === undefined) return undefined
  return isObject(authorizer.lambda) ? authorizer.lambda : authorizer
}

/**
 * The security context (the JSON in `securityContext`), or undefined when the route has no authorizer in front of it:
 * a backend should then refuse to serve rather than guess who is calling.
 */
export function securityContextOf(event: unknown): Record<string, unknown> | undefined {
  const raw = authorizerContextOf(event)?.securityContext
  if (typeof raw !== 'string') return undefined
  try {
    const parsed: unknown = JSON.parse(raw)
    return isObject(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}
