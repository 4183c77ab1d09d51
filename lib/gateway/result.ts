// Turns a decision into the response shape API Gateway expects for the event (IAM policy or HTTP API simple).
import { ResponseFormat, type Config } from '../settings/config.js'
import { EventKind, type AuthorizerRequest } from './event.js'
import { buildContext, iamResult, policyResource, simpleResult, type IamResult, type SimpleResult } from './policy.js'
import type { SecurityContext } from '../security-context.js'

export type AuthorizerResult = IamResult | SimpleResult

/** principalId when the token has no usable `sub`; documented in the README. */
export const PRINCIPAL_FALLBACK = 'cube-user'
export const ANONYMOUS_PRINCIPAL = 'anonymous'
const MAX_PRINCIPAL_LENGTH = 256

export function principalOf(payload: Readonly<Record<string, unknown>>): string {
  const sub = payload.sub
  return typeof sub === 'string' && sub !== '' && sub.length <= MAX_PRINCIPAL_LENGTH ? sub : PRINCIPAL_FALLBACK
}

// Simple responses exist only for HTTP APIs; REST and WebSocket authorizers understand IAM policies alone.
const usesSimple = (config: Config, request: AuthorizerRequest) =>
  config.responseFormat === ResponseFormat.SIMPLE && request.kind === EventKind.HTTP_REQUEST

export function allow(config: Config, request: AuthorizerRequest, principalId: string, securityContext: SecurityContext): AuthorizerResult {
  const context = buildContext(securityContext)
  if (usesSimple(config, request)) return simpleResult(true, context)
  return iamResult(principalId, 'Allow', policyResource(request.arn, config.policyScope), context)
}

export function deny(config: Config, request: AuthorizerRequest, principalId: string): AuthorizerResult {
  if (usesSimple(config, request)) return simpleResult(false)
  return iamResult(principalId, 'Deny', policyResource(request.arn, config.policyScope))
}
