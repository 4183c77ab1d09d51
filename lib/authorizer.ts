// createAuthorizer, the composition root: the whole start-up in order, from the environment to the request path.
import type { CheckAuth } from './check-auth.js'
import type { ContextToApiScopes } from './scopes/cube.js'
import type { JwtOptions } from './settings/config.js'
import { readEnvSettings, type Settings } from './settings/env.js'
import { metricsConfigOrOff } from './settings/metrics.js'
import { defaultSettingsSource, type SettingsSource } from './settings/source.js'
import { createJwksRegistry, prefetchJwks, prefetchUrls } from './jwks/registry.js'
import type { JwksFetcher } from './jwks/fetch.js'
import { createOidcRegistry, prefetchOidc } from './oidc/registry.js'
import { jsonLogger, type Logger } from './observe/logger.js'
import { withMetrics } from './observe/metrics.js'
import { createRuntimes } from './runtime.js'
import { createPipeline, type AuthorizerHandler } from './pipeline.js'

export type { AuthorizerHandler } from './pipeline.js'

export interface AuthorizerOptions {
  /** Cube's `jwt` options; each wins over the setting of the same meaning. */
  readonly jwt?: JwtOptions
  readonly checkAuth?: CheckAuth
  /** Cube's contextToApiScopes(securityContext, defaultScopes): the request's API scopes (AUTHORIZER_CUBE_API_SCOPES=true). */
  readonly contextToApiScopes?: ContextToApiScopes
  /** Where settings come from; called per invocation, so a source may refresh (SSM). Default: process.env read once, plus SSM when AUTHORIZER_SSM_PATH is set. */
  readonly settings?: SettingsSource
  /** The environment snapshot for the default source (tests); default: process.env. */
  readonly env?: Settings
  readonly now?: () => number
  readonly logger?: Logger
  readonly jwksFetcher?: JwksFetcher
}

export function createAuthorizer(options: AuthorizerOptions = {}): AuthorizerHandler {
  const now = options.now ?? Date.now
  // 1. The environment, read once per container.
  const env = options.env ?? readEnvSettings()
  // 2. Logs; metrics (AUTHORIZER_METRICS) watch every log event from here on, so the init-phase SSM load and JWKS fetches count too.
  const initLogger = withMetrics(options.logger ?? jsonLogger(), metricsConfigOrOff(env), now)
  // 3. Key sets fetched from JWKS URLs, kept across settings reloads.
  const jwks = createJwksRegistry({ now, logger: initLogger, fetcher: options.jwksFetcher })
  // 3b. OIDC discovery (AUTHORIZER_OIDC_ISSUER[S], environment only): starts now, in the init phase, and once it has
  // found the JWKS URLs their key sets are fetched too; both run while SSM loads. Requests wait for it (pipeline).
  const oidc = createOidcRegistry({ now, logger: initLogger })
  prefetchOidc(oidc, env, (found) => prefetchUrls(jwks, env, found.values()))
  // 4. Settings: the environment alone, or plus SSM Parameter Store, whose load starts now (the init phase).
  let settingsOf = options.settings
  if (settingsOf === undefined) {
    settingsOf = defaultSettingsSource(env, { now, logger: initLogger })
    if (env.AUTHORIZER_SSM_PATH !== undefined && env.AUTHORIZER_SSM_PATH.trim() !== '') prefetchJwks(jwks, env, options.jwt?.jwkUrl)
  }
  // 5. Per settings: the parsed configuration, its key resolver and its logger.
  const runtimeFor = createRuntimes({ now, jwt: options.jwt, initLogger, logger: options.logger, jwks, hasContextToApiScopes: options.contextToApiScopes !== undefined })
  // 6. The request path.
  return createPipeline({ now, settingsOf, runtimeFor, oidc, checkAuth: options.checkAuth, contextToApiScopes: options.contextToApiScopes, initLogger })
}
