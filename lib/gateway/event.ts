// Recognises API Gateway authorizer events and extracts the bearer token and the ARN the policy applies to.
import { AuthorizerError, ErrorCode } from '../errors.js'
import { isPlainObject } from '../is-plain-object.js'

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
type MultiHeaders = Record<string, unknown> | null | undefined

/** Cube's own header wins, as in Cube's gateway; names are matched in any case because clients and proxies vary. */
const HEADER_PRIORITY = ['x-cube-authorization', 'authorization'] as const

function headerValues(headers: Headers, multi: MultiHeaders, name: string): string[] {
  const values: string[] = []
  if (isPlainObject(multi)) {
    for (const [key, value] of Object.entries(multi)) {
      if (key.toLowerCase() === name && Array.isArray(value)) values.push(...value.filter((v) => typeof v === 'string'))
    }
  }
  if (values.length === 0 && isPlainObject(headers)) {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === name && typeof value === 'string') values.push(value)
    }
  }
  return values
}

function fromHeaders(headers: Headers, multi: MultiHeaders): string | undefined {
  for (const name of HEADER_PRIORITY) {
    const values = [...new Set(headerValues(headers, multi, name))]
    if (values.length > 1) throw new AuthorizerError(ErrorCode.TOKEN_MALFORMED, `several ${name} headers`)
    if (values.length === 1 && (values[0] ?? '').trim() !== '') return values[0]
  }
  return undefined
}

/** `Bearer <jwt>` in any case, or a bare `<jwt>` as @cubejs-client/core sends it; anything else is malformed. */
export function parseCredential(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  const match = /^bearer[ \t]+(\S+)$/i.exec(trimmed)
  if (match?.[1] !== undefined) return match[1]
  if (/\s/.test(trimmed)) throw new AuthorizerError(ErrorCode.TOKEN_MALFORMED, 'unsupported authorization scheme')
  return trimmed
}

export function parseEvent(event: unknown): AuthorizerRequest {
  if (!isPlainObject(event)) throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'event is not an object')
  if (event.version === '2.0' && typeof event.routeArn === 'string') {
    return { kind: EventKind.HTTP_REQUEST, arn: event.routeArn, token: parseCredential(fromHeaders(event.headers as Headers, undefined)) }
  }
  if (typeof event.methodArn !== 'string') throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'event has no methodArn or routeArn')
  if (event.type === 'TOKEN') {
    const raw = typeof event.authorizationToken === 'string' ? event.authorizationToken : undefined
    return { kind: EventKind.REST_TOKEN, arn: event.methodArn, token: parseCredential(raw) }
  }
  if (event.type === 'REQUEST') {
    const context = isPlainObject(event.requestContext) ? event.requestContext : {}
    const kind = typeof context.connectionId === 'string' ? EventKind.WEBSOCKET_REQUEST : EventKind.REST_REQUEST
    const token = parseCredential(fromHeaders(event.headers as Headers, event.multiValueHeaders as MultiHeaders))
    return { kind, arn: event.methodArn, token }
  }
  throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'event type is neither TOKEN nor REQUEST')
}
