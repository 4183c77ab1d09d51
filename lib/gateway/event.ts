// Recognises API Gateway authorizer events and extracts the bearer token and the ARN the policy applies to.
import { AuthorizerError, ErrorCode } from '../errors.js'
import { isPlainObject } from '../is-plain-object.js'
import { oneCredential, parseCredential, requestCredential, type FoundCredential } from './credential.js'
import { cookieValues, NO_EXTRA_LOCATIONS, queryValues, TokenSource, type TokenLocations } from './token-sources.js'

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
  /** Where the token came from (header, query, cookie); undefined without a token. */
  readonly source?: TokenSource | undefined
}

type Headers = Record<string, unknown> | null | undefined

/** A REQUEST event's credential: its headers, plus the query parameter and cookie the settings name. */
function requestEventCredential(event: Readonly<Record<string, unknown>>, multiHeaders: Headers, locations: TokenLocations): FoundCredential {
  const header = requestCredential(event.headers as Headers, multiHeaders)
  if (locations.queryParam === undefined && locations.cookie === undefined) return { token: header, source: header === undefined ? undefined : TokenSource.HEADER }
  const query = locations.queryParam === undefined ? undefined : queryValues(event, locations.queryParam)
  const cookie = locations.cookie === undefined ? undefined : cookieValues(event, locations.cookie)
  return oneCredential(header, query, cookie)
}

/** `locations`: AUTHORIZER_TOKEN_QUERY_PARAM and AUTHORIZER_TOKEN_COOKIE; TOKEN events carry only their one header. */
export function parseEvent(event: unknown, locations: TokenLocations = NO_EXTRA_LOCATIONS): AuthorizerRequest {
  if (!isPlainObject(event)) throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'event is not an object')
  if (event.version === '2.0' && typeof event.routeArn === 'string') {
    return { kind: EventKind.HTTP_REQUEST, arn: event.routeArn, ...requestEventCredential(event, undefined, locations) }
  }
  if (typeof event.methodArn !== 'string') throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'event has no methodArn or routeArn')
  if (event.type === 'TOKEN') {
    const raw = typeof event.authorizationToken === 'string' ? event.authorizationToken : undefined
    const token = parseCredential(raw)
    return { kind: EventKind.REST_TOKEN, arn: event.methodArn, token, source: token === undefined ? undefined : TokenSource.HEADER }
  }
  if (event.type === 'REQUEST') {
    const context = isPlainObject(event.requestContext) ? event.requestContext : {}
    const kind = typeof context.connectionId === 'string' ? EventKind.WEBSOCKET_REQUEST : EventKind.REST_REQUEST
    return { kind, arn: event.methodArn, ...requestEventCredential(event, event.multiValueHeaders as Headers, locations) }
  }
  throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'event type is neither TOKEN nor REQUEST')
}
