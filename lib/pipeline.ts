// The request path, top to bottom: event → credential → verify → security context → checkAuth → result → log.
import type { Context } from 'aws-lambda'
import { runCheckAuth, type CheckAuth } from './check-auth.js'
import type { SettingsSource } from './settings/source.js'
import { allow, ANONYMOUS_PRINCIPAL, deny, principalOf, type AuthorizerResult } from './gateway/result.js'
import { AuthorizerError, codeOf, ErrorCode, Outcome, outcomeOf } from './errors.js'
import { parseEvent, type AuthorizerRequest } from './gateway/event.js'
import { safeKid, type LogFields, type Logger } from './observe/logger.js'
import { tokenAgeSeconds } from './jwt/claims.js'
import type { Runtime, RuntimeFor } from './runtime.js'
import type { OidcRegistry } from './oidc/registry.js'
import { buildSecurityContext, safeCopy } from './security-context.js'
import { withCognitoGroups } from './cognito-groups.js'
import { verifyTokenWithJson, type VerifyProgress } from './jwt/verify.js'
import type { ContextToApiScopes } from './scopes/cube.js'
import { resolveGrants } from './scopes/resolve.js'
import type { SecurityContext } from './security-context.js'

export type AuthorizerHandler = (event: unknown, context?: Partial<Context>) => Promise<AuthorizerResult>

export interface PipelineParts {
  readonly now: () => number
  readonly settingsOf: SettingsSource
  readonly runtimeFor: RuntimeFor
  /** OIDC discovery: the issuers' JWKS URLs, when the settings name OIDC issuers. */
  readonly oidc: OidcRegistry
  readonly checkAuth: CheckAuth | undefined
  readonly contextToApiScopes: ContextToApiScopes | undefined
  /** Until settings are known (a failed SSM load), decisions are logged here. */
  readonly initLogger: Logger
}

export function createPipeline({ now, settingsOf, runtimeFor, oidc, checkAuth, contextToApiScopes, initLogger }: PipelineParts): AuthorizerHandler {
  let lastLogger = initLogger

  return async function handler(event, context) {
    const started = now()
    const progress: VerifyProgress = {}
    let logger = lastLogger
    let request: AuthorizerRequest | undefined
    let runtime: Runtime | undefined
    let principalId = ANONYMOUS_PRINCIPAL
    let tokenAge: number | undefined
    // Set only with API scopes or route requirements on: which scopes, how many rules, what the request's route got.
    let scopeFields: LogFields | undefined
    const log = (outcome: string, reason: string, extra?: LogFields) => {
      const fields = {
        outcome, reason, event: request?.kind, token_source: request?.source, alg: progress.alg, kid: safeKid(progress.kid), keys: progress.keys,
        token_age_seconds: tokenAge, latency_ms: now() - started, request_id: context?.awsRequestId,
      }
      const more = scopeFields === undefined ? extra : { ...scopeFields, ...extra }
      logger.log(outcome === Outcome.ERROR ? 'error' : 'info', 'decision', more === undefined ? fields : { ...fields, ...more })
    }
    /** With scopes or route requirements: the Allow/Deny pair for the stage (or this route's answer), else one Allow. */
    const allowed = async (run: Runtime, req: AuthorizerRequest, payload: Readonly<Record<string, unknown>>, securityContext: SecurityContext, reason: string) => {
      const access = run.config.access
      if (access === undefined || run.scopedResult === undefined) {
        const result = allow(run.config, req, principalId, securityContext)
        log(Outcome.ALLOW, reason)
        return result
      }
      scopeFields = { rule_count: access.rules.length }
      const { grants, notes } = await resolveGrants({ access, contextToApiScopes, payload, securityContext })
      scopeFields = {
        rule_count: access.rules.length,
        api_scopes: access.cubeApiScopes ? grants.apiScopes.join(',') : undefined,
        scope_notes: notes.length > 0 ? notes.join(',') : undefined,
      }
      const { result, decision } = run.scopedResult(req, principalId, grants, securityContext)
      log(Outcome.ALLOW, reason, { route_decision: decision })
      return result
    }
    try {
      const settings = settingsOf()
      // The environment source answers synchronously: awaiting a plain value would still cost a microtask turn.
      const resolved = isPromiseLike(settings) ? await settings : settings
      const discovered = oidc.discoveredFor(resolved)
      runtime = runtimeFor(resolved, isPromiseLike(discovered) ? await discovered : discovered)
      logger = lastLogger = runtime.logger
      const { config, verifyOptions } = runtime
      request = parseEvent(event, config.tokenLocations)
      if (request.token === undefined) {
        if (!config.devMode) throw new AuthorizerError(ErrorCode.TOKEN_MISSING, 'no token')
        return await allowed(runtime, request, {}, {}, 'dev_mode_anonymous')
      }
      const nowSeconds = now() / 1000
      const pending = verifyTokenWithJson(request.token, verifyOptions, nowSeconds, progress)
      const verified = isPromiseLike(pending) ? await pending : pending
      tokenAge = tokenAgeSeconds(verified.payload, nowSeconds)
      principalId = principalOf(verified.payload)
      let securityContext = buildSecurityContext(verified.payload, config.claimsNamespace, verified.payloadJson)
      if (config.tokenUse !== undefined && config.claimsNamespace !== undefined) securityContext = withCognitoGroups(securityContext, verified.payload)
      if (checkAuth) securityContext = await runCheckAuth(checkAuth, { event, token: request.token, payload: safePayload(verified.payload), securityContext })
      return await allowed(runtime, request, verified.payload, securityContext, 'ok')
    } catch (error) {
      return fail(error)
    }

    function fail(error: unknown): AuthorizerResult {
      const outcome = outcomeOf(error)
      const code = codeOf(error)
      if (outcome === Outcome.DENY && runtime !== undefined && request !== undefined) {
        try {
          const result = deny(runtime.config, request, principalId)
          log(Outcome.DENY, code)
          return result
        } catch (denyError) {
          return fail(denyError)
        }
      }
      if (outcome === Outcome.UNAUTHORIZED) {
        log(Outcome.UNAUTHORIZED, code)
        throw new Error('Unauthorized')
      }
      // Our own messages name settings, never values; foreign errors are reported by name only.
      const detail = error instanceof AuthorizerError ? error.message : error instanceof Error ? error.name : 'unknown'
      log(Outcome.ERROR, code, { detail, setting: error instanceof AuthorizerError ? error.setting : undefined })
      throw new Error(`Authorizer error: ${code}`)
    }
  }
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | undefined)?.then === 'function'

/** checkAuth code may merge the payload naively: hand it a frozen copy without prototype-polluting keys. */
function safePayload(payload: Record<string, unknown>): Readonly<Record<string, unknown>> {
  return Object.freeze(safeCopy(payload) as Record<string, unknown>)
}
