// What a backend behind the authorizer reads: the authorizer context API Gateway passes on, and the security context in it.
import { isPlainObject } from '../is-plain-object.js'

export type AuthorizerContext = Readonly<Record<string, unknown>>

/** `requestContext.authorizer` exactly as received: REST puts the context there (with principalId), HTTP APIs under `.lambda`. */
export function authorizerOf(event: unknown): AuthorizerContext | undefined {
  const requestContext = isPlainObject(event) ? event.requestContext : undefined
  const authorizer = isPlainObject(requestContext) ? requestContext.authorizer : undefined
  return isPlainObject(authorizer) ? authorizer : undefined
}

/** The flat context our authorizer returned, for REST (payload 1.0) and HTTP API (payload 2.0) events alike. */
export function authorizerContextOf(event: unknown): AuthorizerContext | undefined {
  const authorizer = authorizerOf(event)
  if (authorizer === undefined) return undefined
  return isPlainObject(authorizer.lambda) ? authorizer.lambda : authorizer
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
    return isPlainObject(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}
