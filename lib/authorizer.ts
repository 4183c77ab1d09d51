// createAuthorizer: builds the Lambda handler that turns an API Gateway event into an Allow, Deny, 401 or 500.
import type { Context } from 'aws-lambda'
import { runCheckAuth, type CheckAuth } from './check-auth.js'
import type { JwtOptions } from './config.js'
import { readEnvSettings, sameSettings, type Settings } from './config-env.js'
import { startDefaultSource } from './warm-start.js'
import type { SettingsSource } from './settings-source.js'
import { allow, ANONYMOUS_PRINCIPAL, deny, principalOf, type AuthorizerResult } from './decision.js'
import { AuthorizerError, codeOf, ErrorCode, Outcome, outcomeOf } from './errors.js'
import { parseEvent, type AuthorizerRequest } from './event.js'
import type { JwksCache } from './jwks-cache.js'
import type { JwksFetcher } from './jwks-fetch.js'
import { jsonLogger, safeKid, type LogFields, type Logger } from './logger.js'
import { metricsConfigOrOff, parseMetricsConfig } from './config-metrics.js'
import { withMetrics } from './metrics.js'
import { tokenAgeSeconds } from './claims.js'
import { optOutWarnings } from './opt-outs.js'
import { buildRuntime, type Runtime } from './runtime.js'
import { buildSecurityContext, safeCopy } from './security-context.js'
import { verifyTokenWithJson, type VerifyProgress } from './verify.js'

export interface AuthorizerOptions {
  /** Cube's `jwt` options; each wins over the setting of the same meaning. */
  readonly jwt?: JwtOptions
  readonly checkAuth?: CheckAuth
  /** Where settings come from; called per invocation, so a source may refresh (SSM). Default: process.env read once, plus SSM when AUTHORIZER_SSM_PATH is set. */
  readonly settings?: SettingsSource
  /** The environment snapshot for the default source (tests); default: process.env. */
  readonly env?: Settings
  readonly now?: () => number
  readonly logger?: Logger
  readonly jwksFetcher?: JwksFetcher
}

export type AuthorizerHandler = (event: unknown, context?: Partial<Context>) => Promise<AuthorizerResult>

export function createAuthorizer(options: AuthorizerOptions = {}): AuthorizerHandler {
  const now = options.now ?? Date.now
  const jwksCaches = new Map<string, JwksCache>()
  const env = options.env ?? readEnvSettings()
  // Metrics (AUTHORIZER_METRICS) watch every log event, so the SSM load and JWKS fetches at init are counted too.
  const defaultLogger = withMetrics(options.logger ?? jsonLogger(), metricsConfigOrOff(env), now)
  const settingsOf = options.settings ?? startDefaultSource(env, { now, logger: defaultLogger, jwksCaches, jwksFetcher: options.jwksFetcher, jwkUrl: options.jwt?.jwkUrl })
  let current: { settings: Settings; runtime: Runtime; logger: Logger } | undefined
  const warned = new Set<string>()

  function runtimeFor(settings: Settings) {
    if (current !== undefined && sameSettings(current.settings, settings)) return current
    const runtime = buildRuntime(settings, options.jwt, { now, logger: defaultLogger, jwksFetcher: options.jwksFetcher, jwksCaches })
    const logger = withMetrics(options.logger ?? jsonLogger(runtime.config.logLevel), parseMetricsConfig(settings), now)
    // Each security opt-out (dev mode, weak keys, any issuer or audience) is impossible to miss in the logs and the
    // metrics: once per cold start (not per settings reload).
    for (const warning of optOutWarnings(runtime.config)) {
      if (warned.has(warning.message)) continue
      logger.log('warn', warning.message, { detail: warning.detail })
      warned.add(warning.message)
    }
    current = { settings, runtime, logger }
    return current
  }

  return async function handler(event, context) {
    const started = now()
    const progress: VerifyProgress = {}
    let logger = current?.logger ?? defaultLogger
    let request: AuthorizerRequest | undefined
    let runtime: Runtime | undefined
    let principalId = ANONYMOUS_PRINCIPAL
    let tokenAge: number | undefined
    const log = (outcome: string, reason: string, extra?: LogFields) => {
      const fields = {
        outcome, reason, event: request?.kind, alg: progress.alg, kid: safeKid(progress.kid), keys: progress.keys,
        token_age_seconds: tokenAge, latency_ms: now() - started, request_id: context?.awsRequestId,
      }
      logger.log(outcome === Outcome.ERROR ? 'error' : 'info', 'decision', extra === undefined ? fields : { ...fields, ...extra })
    }
    try {
      const settings = settingsOf()
      // The environment source answers synchronously: awaiting a plain value would still cost a microtask turn.
      const active = runtimeFor(isPromiseLike(settings) ? await settings : settings)
      logger = active.logger
      runtime = active.runtime
      const { config, verifyOptions } = runtime
      request = parseEvent(event)
      if (request.token === undefined) {
        if (!config.devMode) throw new AuthorizerError(ErrorCode.TOKEN_MISSING, 'no token')
        const result = allow(config, request, ANONYMOUS_PRINCIPAL, {})
        log(Outcome.ALLOW, 'dev_mode_anonymous')
        return result
      }
      const nowSeconds = now() / 1000
      const pending = verifyTokenWithJson(request.token, verifyOptions, nowSeconds, progress)
      const verified = isPromiseLike(pending) ? await pending : pending
      tokenAge = tokenAgeSeconds(verified.payload, nowSeconds)
      principalId = principalOf(verified.payload)
      let securityContext = buildSecurityContext(verified.payload, config.claimsNamespace, verified.payloadJson)
      if (options.checkAuth) securityContext = await runCheckAuth(options.checkAuth, { event, token: request.token, payload: safePayload(verified.payload), securityContext })
      const result = allow(config, request, principalId, securityContext)
      log(Outcome.ALLOW, 'ok')
      return result
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
