// The per-settings runtime: parsed configuration, key resolution and the logger, rebuilt only when settings change.
import { parseConfig, type Config, type Discovered, type JwtOptions } from './settings/config.js'
import { sameSettings, type Settings } from './settings/env.js'
import { parseMetricsConfig } from './settings/metrics.js'
import type { JwksRegistry } from './jwks/registry.js'
import { keyResolver } from './key-resolver.js'
import { jsonLogger, type Logger } from './observe/logger.js'
import { withMetrics } from './observe/metrics.js'
import { optOutWarnings } from './settings/opt-outs.js'
import { KidRule } from './jwt/select-key.js'
import type { VerifyOptions } from './jwt/verify.js'
import { createScopedResults, type ScopedResults } from './gateway/scoped-result.js'

export interface Runtime {
  readonly config: Config
  /** Built once per settings, not per invocation. */
  readonly verifyOptions: VerifyOptions
  /** At the settings' log level and with their metrics. */
  readonly logger: Logger
  /** The scoped policy builder, when API scopes or route requirements are on. */
  readonly scopedResult: ScopedResults | undefined
}

export interface RuntimeDeps {
  readonly now: () => number
  readonly jwt: JwtOptions | undefined
  /** Logs what happens while a runtime is built (skipped keys). */
  readonly initLogger: Logger
  /** The caller's logger (tests); default: JSON lines at the settings' level. */
  readonly logger: Logger | undefined
  readonly jwks: JwksRegistry
  /** Whether createAuthorizer got a contextToApiScopes option (it needs AUTHORIZER_CUBE_API_SCOPES=true to act). */
  readonly hasContextToApiScopes: boolean
}

/** `discovered`: the OIDC issuers' JWKS URLs (lib/oidc/registry.ts), when the settings name OIDC issuers. */
export type RuntimeFor = (settings: Settings, discovered?: Discovered) => Runtime

/** Settings rarely change (an SSM TTL refresh usually returns the same values): keep the last runtime while they match. */
export function createRuntimes(deps: RuntimeDeps): RuntimeFor {
  let current: { settings: Settings; discovered: Discovered | undefined; runtime: Runtime } | undefined
  const warned = new Set<string>()
  return (settings, discovered) => {
    if (current !== undefined && current.discovered === discovered && sameSettings(current.settings, settings)) return current.runtime
    const config = parseConfig(
      settings,
      deps.jwt,
      (index, reason, setting = 'CUBEJS_JWT_KEY') => deps.initLogger.log('warn', 'key_skipped', { setting, index, reason }),
      (setting, detail) => deps.initLogger.log('warn', 'scope_unknown', { setting, detail }),
      discovered,
    )
    if (deps.hasContextToApiScopes && config.access?.cubeApiScopes !== true)
      deps.initLogger.log('warn', 'scopes_off', { setting: 'AUTHORIZER_CUBE_API_SCOPES', detail: 'contextToApiScopes is ignored until AUTHORIZER_CUBE_API_SCOPES=true' })
    const logger = withMetrics(deps.logger ?? jsonLogger(config.logLevel), parseMetricsConfig(settings), deps.now)
    // Each security opt-out (dev mode, weak keys, any issuer or audience) is impossible to miss in the logs and the
    // metrics: once per cold start (not per settings reload).
    for (const warning of optOutWarnings(config)) {
      if (warned.has(warning.message)) continue
      logger.log('warn', warning.message, { detail: warning.detail })
      warned.add(warning.message)
    }
    // A remote key set names its keys: a token must name one of them (static sets carry their own rule).
    const kidRule = config.keySource.kind === 'static' ? config.keySource.kidRule : KidRule.REQUIRED
    const scopedResult = config.access === undefined ? undefined : createScopedResults(config, config.access)
    const runtime = { config, verifyOptions: Object.freeze({ ...config, kidRule, keysFor: keyResolver(config.keySource, deps.jwks) }), logger, scopedResult }
    current = { settings, discovered, runtime }
    return runtime
  }
}
