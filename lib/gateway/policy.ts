// Builds API Gateway authorizer results: IAM policies (REST, WebSocket, HTTP API) and HTTP API simple responses.
import { AuthorizerError, ErrorCode } from '../errors.js'
import { jsonBytesAtMost } from './json-size.js'
import type { SecurityContext } from '../security-context.js'

/** API Gateway rejects authorizer responses above 8 KB (and answers 500); we refuse to build one. */
export const MAX_RESULT_BYTES = 8192

export const PolicyScope = { STAGE: 'stage', ROUTE: 'route' } as const
export type PolicyScope = (typeof PolicyScope)[keyof typeof PolicyScope]

export type ContextValue = string | number | boolean
export type ResultContext = Record<string, ContextValue>

export interface PolicyStatement {
  readonly Action: 'execute-api:Invoke'
  readonly Effect: 'Allow' | 'Deny'
  readonly Resource: string | readonly string[]
}

export interface IamResult {
  readonly principalId: string
  readonly policyDocument: {
    readonly Version: '2012-10-17'
    readonly Statement: ReadonlyArray<PolicyStatement>
  }
  readonly context?: ResultContext
}

export interface SimpleResult {
  readonly isAuthorized: boolean
  readonly context?: ResultContext
}

/**
 * API Gateway caches one policy per token and applies it to every route of the stage, so a policy naming only the
 * first route would deny the same user's next, different route from cache. Stage scope is the safe default.
 */
export function policyResource(arn: string, scope: PolicyScope): string {
  // Warm containers see the same methodArn again and again (one per route): remember the last answer.
  if (arn === lastResource.arn && scope === lastResource.scope) return lastResource.resource
  const resource = resourceFor(arn, scope)
  lastResource = { arn, scope, resource }
  return resource
}

let lastResource = { arn: '', scope: '', resource: '' }

function resourceFor(arn: string, scope: PolicyScope): string {
  if (scope === PolicyScope.ROUTE) return arn
  const { stage, websocket } = parseExecuteApiArn(arn)
  // WebSocket ARNs are apiId/stage/route; REST and HTTP API ARNs are apiId/stage/METHOD/path.
  return `${stage}/${websocket ? '*' : '*/*'}`
}

export interface ExecuteApiArn {
  /** `arn:…:execute-api:REGION:ACCOUNT:API_ID/STAGE`, which every resource of the stage starts with. */
  readonly stage: string
  readonly websocket: boolean
  /** What follows the stage: `GET/cubejs-api/v1/load` (REST, HTTP API) or the route key (WebSocket). */
  readonly route: string
}

export function parseExecuteApiArn(arn: string): ExecuteApiArn {
  const parts = arn.split(':')
  // The resource path is the request's own path and may itself contain ':' (e.g. /v1/items:batchGet).
  const path = parts.slice(5).join(':')
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'execute-api')
    throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'ARN is not an execute-api ARN')
  const segments = path.split('/')
  const [apiId, stage] = segments
  if (apiId === undefined || stage === undefined || apiId === '' || stage === '' || segments.length < 3)
    throw new AuthorizerError(ErrorCode.EVENT_UNKNOWN, 'ARN has no API id and stage')
  return { stage: `${parts.slice(0, 5).join(':')}:${apiId}/${stage}`, websocket: segments.length === 3, route: segments.slice(2).join('/') }
}

/** Context values must be flat: the JSON of the whole security context, plus each top-level primitive on its own. */
export function buildContext(securityContext: SecurityContext): ResultContext {
  const context: ResultContext = { securityContext: JSON.stringify(securityContext) }
  // Object.keys rather than Object.entries: no [key, value] pair to allocate per claim, on every decision.
  for (const key of Object.keys(securityContext)) {
    if (key === 'securityContext') continue
    const value = securityContext[key]
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) context[key] = value
  }
  return context
}

export function iamResult(principalId: string, effect: 'Allow' | 'Deny', resource: string, context?: ResultContext): IamResult {
  const policyDocument = { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] } as const
  // Two literals rather than a conditional spread, which would build two throw-away objects on every decision.
  return ensureFits(context === undefined ? { principalId, policyDocument } : { principalId, policyDocument, context })
}

export function simpleResult(isAuthorized: boolean, context?: ResultContext): SimpleResult {
  return ensureFits(context === undefined ? { isAuthorized } : { isAuthorized, context })
}

/** A policy of several statements (API scopes, route requirements); never trimmed to fit, like every result. */
export function iamStatementsResult(principalId: string, statements: readonly PolicyStatement[], context?: ResultContext): IamResult {
  const policyDocument = { Version: '2012-10-17', Statement: statements } as const
  return ensureFits(context === undefined ? { principalId, policyDocument } : { principalId, policyDocument, context })
}

export const resultBytes = (result: unknown): number => Buffer.byteLength(JSON.stringify(result), 'utf8')

/** Never trim to fit: dropping claims could widen what a policy or backend allows. */
export function ensureFits<T>(result: T): T {
  // Serializing the whole result costs more than the rest of building it; a cheap bound settles almost every call.
  if (jsonBytesAtMost(result) <= MAX_RESULT_BYTES) return result
  if (resultBytes(result) > MAX_RESULT_BYTES)
    throw new AuthorizerError(ErrorCode.CONTEXT_TOO_LARGE, 'authorizer result exceeds 8 KB')
  return result
}
