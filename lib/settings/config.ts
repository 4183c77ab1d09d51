// Parses settings (plus code options) once into the authorizer's immutable, typed configuration.
import { SUPPORTED_ALGORITHMS } from '../jwt/algorithms.js'
import type { Settings } from './env.js'
import { parseBoolean, parseChoice, parseInteger, parseList, parseNonEmptyList, parseOptional } from './values.js'
import { configError } from '../errors.js'
import { LogLevel } from '../observe/logger.js'
import { frozenKeys, parseKeySetting, secretKey, type SkipReporter, type VerifyKey } from '../jwt/keys.js'
import { PolicyScope } from '../gateway/policy.js'
import { parseJwksSource, type JwksSource } from './jwks.js'
import { parseAccessConfig, type AccessConfig, type ScopeWarning } from './access.js'

/** Cube's `jwt` config-file options; a code option wins over the setting of the same meaning. */
export interface JwtOptions {
  readonly key?: string
  readonly jwkUrl?: string
  readonly algorithms?: readonly string[]
  readonly audience?: string
  readonly issuer?: string | readonly string[]
  readonly subject?: string
  readonly claimsNamespace?: string
}

export const ResponseFormat = { IAM: 'iam', SIMPLE: 'simple' } as const
export type ResponseFormat = (typeof ResponseFormat)[keyof typeof ResponseFormat]

export type KeySource =
  | { readonly kind: 'static'; readonly keys: readonly VerifyKey[]; readonly setting: string }
  | { readonly kind: 'jwks'; readonly jwks: JwksSource }

export interface Config {
  readonly keySource: KeySource
  readonly algorithms: readonly string[]
  readonly audience: string | undefined
  readonly issuers: readonly string[] | undefined
  readonly subject: string | undefined
  readonly claimsNamespace: string | undefined
  readonly devMode: boolean
  readonly responseFormat: ResponseFormat
  readonly clockToleranceSeconds: number
  readonly requireExp: boolean
  readonly policyScope: PolicyScope
  readonly logLevel: LogLevel
  /** Cube API scopes and route requirements; undefined when both are off (one stage-wide Allow). */
  readonly access: AccessConfig | undefined
}

const ASYMMETRIC_ALGORITHMS = SUPPORTED_ALGORITHMS.filter((alg) => !alg.startsWith('HS'))

// Deeply frozen so that nothing holding the config (runtime, caches, checkAuth) can widen the accepted keys.
function staticSource(keys: readonly VerifyKey[], setting: string): KeySource {
  return Object.freeze({ kind: 'static', keys: frozenKeys(keys), setting })
}

function parseKeySource(settings: Settings, jwt: JwtOptions, onSkip: SkipReporter): KeySource {
  const jwks = parseJwksSource(settings, jwt.jwkUrl)
  if (jwks !== undefined) return Object.freeze({ kind: 'jwks', jwks })
  // Cube combines code options and settings with ||, so an empty code option falls back to the setting.
  const key = parseOptional(jwt.key) ?? parseOptional(settings.CUBEJS_JWT_KEY)
  if (key !== undefined) return staticSource(parseKeySetting(key, 'CUBEJS_JWT_KEY', onSkip), 'CUBEJS_JWT_KEY')
  const secrets = parseList(settings.CUBEJS_API_SECRETS ?? '')
  if (secrets.length > 0) return staticSource(secrets.map((s) => secretKey(s, 'CUBEJS_API_SECRETS')), 'CUBEJS_API_SECRETS')
  const secret = settings.CUBEJS_API_SECRET
  if (secret !== undefined && secret !== '') return staticSource([secretKey(secret, 'CUBEJS_API_SECRET')], 'CUBEJS_API_SECRET')
  throw configError('CUBEJS_API_SECRET', 'no key configured: set CUBEJS_JWK_URL, CUBEJS_JWT_KEY, CUBEJS_API_SECRETS or CUBEJS_API_SECRET')
}

function parseAlgorithms(settings: Settings, jwt: JwtOptions, keySource: KeySource): readonly string[] {
  const explicit = jwt.algorithms ? [...jwt.algorithms] : parseNonEmptyList('CUBEJS_JWT_ALGS', settings.CUBEJS_JWT_ALGS)
  const usable = keySource.kind === 'jwks' ? ASYMMETRIC_ALGORITHMS : [...new Set(keySource.keys.flatMap((k) => k.algorithms))]
  if (explicit === undefined) return usable
  for (const alg of explicit) {
    if (!SUPPORTED_ALGORITHMS.includes(alg)) throw configError('CUBEJS_JWT_ALGS', `names an unsupported algorithm (supported: ${SUPPORTED_ALGORITHMS.join(', ')})`)
  }
  const allowed = explicit.filter((alg) => usable.includes(alg))
  if (allowed.length === 0) throw configError('CUBEJS_JWT_ALGS', 'allows no algorithm that the configured key can verify')
  return allowed
}

function parseIssuers(settings: Settings, jwt: JwtOptions): readonly string[] | undefined {
  if (jwt.issuer !== undefined) return Object.freeze(typeof jwt.issuer === 'string' ? [jwt.issuer] : [...jwt.issuer])
  const issuers = parseNonEmptyList('CUBEJS_JWT_ISSUER', settings.CUBEJS_JWT_ISSUER)
  return issuers === undefined ? undefined : Object.freeze(issuers)
}

export function parseConfig(settings: Settings, jwt: JwtOptions = {}, onSkip: SkipReporter = () => {}, onScopeWarning: ScopeWarning = () => {}): Config {
  const keySource = parseKeySource(settings, jwt, onSkip)
  const responseFormat = parseChoice('AUTHORIZER_RESPONSE_FORMAT', settings.AUTHORIZER_RESPONSE_FORMAT, Object.values(ResponseFormat), ResponseFormat.IAM)
  const policyScope = parseChoice('AUTHORIZER_POLICY_SCOPE', settings.AUTHORIZER_POLICY_SCOPE, Object.values(PolicyScope), PolicyScope.STAGE)
  const access = parseAccessConfig(
    settings,
    { simpleResponses: responseFormat === ResponseFormat.SIMPLE, routePolicyScope: policyScope === PolicyScope.ROUTE },
    onScopeWarning,
  )
  return Object.freeze({
    keySource,
    algorithms: Object.freeze(parseAlgorithms(settings, jwt, keySource)),
    audience: parseOptional(jwt.audience) ?? parseOptional(settings.CUBEJS_JWT_AUDIENCE),
    issuers: parseIssuers(settings, jwt),
    subject: parseOptional(jwt.subject) ?? parseOptional(settings.CUBEJS_JWT_SUBJECT),
    claimsNamespace: parseOptional(jwt.claimsNamespace) ?? parseOptional(settings.CUBEJS_JWT_CLAIMS_NAMESPACE),
    devMode: parseBoolean('CUBEJS_DEV_MODE', settings.CUBEJS_DEV_MODE, false),
    responseFormat,
    clockToleranceSeconds: parseInteger('AUTHORIZER_CLOCK_TOLERANCE_SECONDS', settings.AUTHORIZER_CLOCK_TOLERANCE_SECONDS, 0, 0, 300),
    requireExp: parseBoolean('AUTHORIZER_REQUIRE_EXP', settings.AUTHORIZER_REQUIRE_EXP, false),
    policyScope,
    logLevel: parseChoice('AUTHORIZER_LOG_LEVEL', settings.AUTHORIZER_LOG_LEVEL, Object.values(LogLevel), LogLevel.INFO),
    access,
  })
}
