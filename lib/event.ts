// Recognises API Gateway authorizer events and extracts the bearer token and the ARN the policy applies to.
import { AuthorizerError, ErrorCode } from './errors.js'
import { isPlainObject } from './is-plain-object.js'
import { parseCredential, requestCredential } from './credential.js'

export const EventKind = {
  REST_TOKEN: 'rest_token',
  REST_REQUEST: 'rest_request',
  WEBSOCKET_REQUEST: 'websocket_request',
  HTTP_REQUEST: 'http_request',
} as const
export type EventKind = (typeof EventKind)[keyof typeof EventKind]

export interface AuthorizerRequest {
  readonly kind: EventKind
  /** methodArn (REST, WebSocket) or routeArn (HTTP API). */
  readonly arn: string
  /** The raw credential (already stripped of a Bearer scheme), or undefined when the request carries none. */
  readonly token: string | undefined
}

type Headers = Record<string, unknown> | null | undefined

export function parseEvent(event: unknown): AuthorizerRequest {
  if (!isPlainObject(event)) throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'event is not an object')
  if (event.version === '2.0' && typeof event.routeArn === 'string') {
    return { kind: EventKind.HTTP_REQUEST, arn: event.routeArn, token: requestCredential(event.headers as Headers, undefined) }
  }
  if (typeof event.methodArn !== 'string') throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'event has no methodArn or routeArn')
  if (event.type === 'TOKEN') {
    const raw = typeof event.authorizationToken === 'string' ? event.authorizationToken : undefined
    return { kind: EventKind.REST_TOKEN, arn: event.methodArn, token: parseCredential(raw) }
  }
  if (event.type === 'REQUEST') {
    const context = isPlainObject(event.requestContext) ? event.requestContext : {}
    const kind = typeof context.connectionId === 'string' ? EventKind.WEBSOCKET_REQUEST : EventKind.REST_REQUEST
    const token = requestCredential(event.headers as Headers, event.multiValueHeaders as Headers)
    return { kind, arn: event.methodArn, token }
  }
  throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'event type is neither TOKEN nor REQUEST')
}
