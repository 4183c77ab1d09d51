// The "token endpoint" pattern from Cube's docs: after your login check, sign the user's claims for @cubejs-client/core.
import { parseConfig, type Config } from '../settings/config.js'
import { readEnvSettings, sameSettings, type Settings } from '../settings/env.js'
import { readDemoLogin } from '../settings/demo-login.js'
import { demoLogin } from './demo-login.js'
import { AuthorizerError, codeOf } from '../errors.js'
import { jsonResponse, type JsonResponse } from '../gateway/http-json.js'
import { jsonLogger, type Logger } from '../observe/logger.js'
import type { SecurityContext } from '../security-context.js'
import { defaultSettingsSource, type SettingsSource } from '../settings/source.js'
import { mintToken, signingKeyOf, TOKEN_LIFETIME_SECONDS } from './signing.js'

/** Your login check: the signed-in user's claims (they become the token's payload), or undefined when nobody is signed in. */
export type Login = (event: unknown) => SecurityContext | undefined | Promise<SecurityContext | undefined>

export interface TokenEndpointOptions {
  /** Default: the X-Demo-User placeholder, and only when AUTHORIZER_DEMO_LOGIN=true; otherwise nobody is signed in. */
  readonly login?: Login
  /** Overrides AUTHORIZER_DEMO_LOGIN (tests). */
  readonly demoLogin?: boolean
  /** Same settings as the authorizer (environment, plus SSM when AUTHORIZER_SSM_PATH is set). */
  readonly settings?: SettingsSource
  readonly env?: Settings
  readonly now?: () => number
  readonly logger?: Logger
}

export type TokenEndpointHandler = (event: unknown) => Promise<JsonResponse>

function placeholderLogin(enabled: boolean | undefined, env: Settings, logger: Logger): Login {
  let on: boolean
  try {
    on = enabled ?? readDemoLogin(env)
  } catch (error) {
    return () => {
      throw error
    }
  }
  if (on) return demoLogin
  return () => {
    logger.log('warn', 'token_endpoint_login', { outcome: 'no_login', detail: 'no login check configured: pass your own login to createTokenEndpoint' })
    return undefined
  }
}

export function createTokenEndpoint(options: TokenEndpointOptions = {}): TokenEndpointHandler {
  const now = options.now ?? Date.now
  const logger = options.logger ?? jsonLogger()
  const env = options.env ?? readEnvSettings()
  const settingsOf = options.settings ?? defaultSettingsSource(env, { now, logger })
  const login = options.login ?? placeholderLogin(options.demoLogin, env, logger)
  let parsed: { settings: Settings; config: Config } | undefined

  return async function handler(event) {
    try {
      // Login first: an anonymous caller learns nothing about the configuration.
      const user = await login(event)
      if (user === undefined) return jsonResponse(401, { error: 'login required' })
      const settings = await settingsOf()
      if (parsed === undefined || !sameSettings(parsed.settings, settings)) parsed = { settings, config: parseConfig(settings) }
      const token = await mintToken(parsed.config, user, Math.floor(now() / 1000))
      logger.log('info', 'token_issued', { alg: signingKeyOf(parsed.config).alg, expires_in_seconds: TOKEN_LIFETIME_SECONDS })
      return jsonResponse(200, { token })
    } catch (error) {
      // As in the authorizer: our messages name settings, never values; foreign errors by name only.
      logger.log('error', 'token_endpoint_failed', {
        reason: codeOf(error),
        detail: error instanceof AuthorizerError ? error.message : error instanceof Error ? error.name : 'unknown',
        setting: error instanceof AuthorizerError ? error.setting : undefined,
      })
      return jsonResponse(500, { error: 'token endpoint unavailable' })
    }
  }
}
