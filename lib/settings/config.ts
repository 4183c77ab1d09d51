// Parses settings (plus code options) once into the authorizer's immutable, typed configuration.
import { SUPPORTED_ALGORITHMS } from '../jwt/algorithms.js'
import type { Settings } from './env.js'
import { parseBoolean, parseChoice, parseInteger, parseList, parseNonEmptyList, parseOptional } from './values.js'
import { configError } from '../errors.js'
import { LogLevel } from '../observe/logger.js'
import { frozenKeys, isJwksText, parseKeySetting, refuseKeyText, secretKey, type SkipReporter, type VerifyKey } from '../jwt/keys.js'
import { KidRule } from '../jwt/select-key.js'
import { applyHmacStrength, MIN_HMAC_KEY_BYTES } from '../jwt/hmac-strength.js'
import { PolicyScope } from '../gateway/policy.js'
import { parseJwksSource, parseJwksTuning, type JwksSource } from './jwks.js'
import { parseOidcSettings, type OidcSettings } from './oidc.js'
import { parseAccessConfig, type AccessConfig, type ScopeWarning } from './access.js'
import { parseCognitoPool, type CognitoPool } from './cognito.js'
import { TokenUse } from '../jwt/claims.js'
import { parseTokenLocations } from './token-locations.js'
import type { TokenLocations } from '../gateway/token-sources.js'

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
  | { readonly kind: 'static'; readonly keys: readonly VerifyKey[]; readonly setting: string; readonly kidRule: KidRule }
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
  /** AUTHORIZER_MAX_TOKEN_AGE_SECONDS; undefined: iat is not required. */
  readonly maxTokenAgeSeconds: number | undefined
  /** AUTHORIZER_TOKEN_USE; undefined: token_use is not checked. */
  readonly tokenUse: TokenUse | undefined
  /** AUTHORIZER_TOKEN_QUERY_PARAM and AUTHORIZER_TOKEN_COOKIE: REQUEST events may carry the token there too. */
  readonly tokenLocations: TokenLocations
  readonly policyScope: PolicyScope
  readonly logLevel: LogLevel
  /** Security opt-outs (each logged as a warning at every cold start). */
  readonly allowWeakHmacKey: boolean
  readonly allowAnyIssuer: boolean
  readonly allowAnyAudience: boolean
  /** AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST (a security opt-out too). */
  readonly allowForeignJwksHost: boolean
  /** Cube API scopes and route requirements; undefined when both are off (one stage-wide Allow). */
  readonly access: AccessConfig | undefined
}

const ASYMMETRIC_ALGORITHMS = SUPPORTED_ALGORITHMS.filter((alg) => !alg.startsWith('HS'))

// Deeply frozen so that nothing holding the config (runtime, caches, checkAuth) can widen the accepted keys.
function staticSource(keys: readonly VerifyKey[], setting: string, kidRule: KidRule = KidRule.IGNORE): KeySource {
  return Object.freeze({ kind: 'static', keys: frozenKeys(keys), setting, kidRule })
}

/** RFC 7518 §3.2 on the static keys: secrets too short for every HMAC algorithm drop out; none left is an error. */
function strongKeys(source: KeySource, allowWeak: boolean, onSkip: SkipReporter): KeySource {
  if (source.kind !== 'static') return source
  const keys = applyHmacStrength(source.keys, allowWeak, (index, reason) => onSkip(index, reason, source.setting))
  if (keys.length === 0)
    throw configError(source.setting, `is shorter than ${MIN_HMAC_KEY_BYTES.HS256} bytes, too short for any HMAC algorithm (RFC 7518 §3.2): use a longer secret (npm run -s token -- --generate-secret), or set AUTHORIZER_ALLOW_WEAK_HMAC_KEY=true`)
  return staticSource(keys, source.setting, source.kidRule)
}

/** Issuer → JWKS URL found by OIDC discovery (lib/oidc), handed in by the runtime; the settings only name the issuers. */
export type Discovered = ReadonlyMap<string, string>

/** One issuer: its JWKS URL for every token, and the issuer checked as CUBEJS_JWT_ISSUER; several: the token's iss picks. */
function discoveredSource(settings: Settings, oidc: OidcSettings, discovered: Discovered | undefined): JwksSource {
  const urls = oidc.issuers.map((issuer) => discovered?.get(issuer))
  if (!urls.every((url): url is string => url !== undefined)) throw configError(oidc.setting, 'has not been discovered yet')
  const tuning = parseJwksTuning(settings)
  if (oidc.setting === 'AUTHORIZER_OIDC_ISSUER') return Object.freeze({ url: urls[0], byIssuer: undefined, tuning })
  return Object.freeze({ url: undefined, byIssuer: new Map(oidc.issuers.map((issuer, index) => [issuer, urls[index] ?? ''])), tuning })
}

function parseKeySource(settings: Settings, jwt: JwtOptions, onSkip: SkipReporter, pool: CognitoPool | undefined, oidc: OidcSettings | undefined, discovered: Discovered | undefined): KeySource {
  if (oidc !== undefined) return Object.freeze({ kind: 'jwks', jwks: discoveredSource(settings, oidc, discovered) })
  const jwks = parseJwksSource(settings, pool?.jwksUrl ?? jwt.jwkUrl)
  if (jwks !== undefined) return Object.freeze({ kind: 'jwks', jwks })
  // Cube combines code options and settings with ||, so an empty code option falls back to the setting.
  const key = parseOptional(jwt.key) ?? parseOptional(settings.CUBEJS_JWT_KEY)
  // A single key (PEM, one JWK, a secret) ignores the token's kid, as in Cube; a JWKS chooses by exact kid.
  if (key !== undefined) return staticSource(parseKeySetting(key, 'CUBEJS_JWT_KEY', onSkip), 'CUBEJS_JWT_KEY', isJwksText(key.trim()) ? KidRule.EXACT : KidRule.IGNORE)
  // Checked before the comma split: the pieces of a JWK (`"kty":"RSA"`) would each look harmless.
  if (settings.CUBEJS_API_SECRETS !== undefined) refuseKeyText(settings.CUBEJS_API_SECRETS, 'CUBEJS_API_SECRETS')
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
  if (allowed.length === 0 && keySource.kind === 'static' && explicit.some((alg) => alg.startsWith('HS')) && keySource.keys.some((k) => k.key.type === 'secret'))
    throw configError(keySource.setting, 'is too short for every HMAC algorithm CUBEJS_JWT_ALGS allows (RFC 7518 §3.2: HS256 needs 32 bytes, HS384 48, HS512 64)')
  if (allowed.length === 0) throw configError('CUBEJS_JWT_ALGS', 'allows no algorithm that the configured key can verify')
  return allowed
}

function parseIssuers(settings: Settings, jwt: JwtOptions, pool: CognitoPool | undefined, oidc: OidcSettings | undefined): readonly string[] | undefined {
  if (pool !== undefined) return Object.freeze([pool.issuer])
  if (oidc?.setting === 'AUTHORIZER_OIDC_ISSUER') return oidc.issuers
  if (jwt.issuer !== undefined) return Object.freeze(typeof jwt.issuer === 'string' ? [jwt.issuer] : [...jwt.issuer])
  const issuers = parseNonEmptyList('CUBEJS_JWT_ISSUER', settings.CUBEJS_JWT_ISSUER)
  return issuers === undefined ? undefined : Object.freeze(issuers)
}

/**
 * With a remote JWKS the identity provider signs tokens for every application and token type of the tenant: without an
 * issuer and an audience any of them would pass (aws-jwt-verify requires both too). AUTHORIZER_JWK_URLS pins issuers.
 */
function requireIssuerAndAudience(keySource: KeySource, issuers: readonly string[] | undefined, audience: string | undefined, allowAnyIssuer: boolean, allowAnyAudience: boolean): void {
  if (keySource.kind !== 'jwks') return
  const urlSetting = keySource.jwks.url !== undefined ? 'CUBEJS_JWK_URL' : 'AUTHORIZER_JWK_URLS'
  if (keySource.jwks.url !== undefined && issuers === undefined && !allowAnyIssuer)
    throw configError('CUBEJS_JWT_ISSUER', 'is required with CUBEJS_JWK_URL (the iss of your tokens); to accept any issuer set AUTHORIZER_ALLOW_ANY_ISSUER=true')
  if (audience === undefined && !allowAnyAudience)
    throw configError('CUBEJS_JWT_AUDIENCE', `is required with ${urlSetting} (the aud of your tokens); to accept any audience set AUTHORIZER_ALLOW_ANY_AUDIENCE=true`)
}

/** Up to a year: a longer limit is no limit worth the name, and 0 would refuse every token. */
function parseMaxTokenAge(settings: Settings): number | undefined {
  const raw = parseOptional(settings.AUTHORIZER_MAX_TOKEN_AGE_SECONDS)
  return raw === undefined ? undefined : parseInteger('AUTHORIZER_MAX_TOKEN_AGE_SECONDS', raw, 0, 1, 31_536_000)
}

export function parseConfig(settings: Settings, jwt: JwtOptions = {}, onSkip: SkipReporter = () => {}, onScopeWarning: ScopeWarning = () => {}, discovered?: Discovered): Config {
  const allowWeakHmacKey = parseBoolean('AUTHORIZER_ALLOW_WEAK_HMAC_KEY', settings.AUTHORIZER_ALLOW_WEAK_HMAC_KEY, false)
  const allowAnyIssuer = parseBoolean('AUTHORIZER_ALLOW_ANY_ISSUER', settings.AUTHORIZER_ALLOW_ANY_ISSUER, false)
  const allowAnyAudience = parseBoolean('AUTHORIZER_ALLOW_ANY_AUDIENCE', settings.AUTHORIZER_ALLOW_ANY_AUDIENCE, false)
  const pool = parseCognitoPool(settings)
  if (pool !== undefined && (parseOptional(jwt.jwkUrl) !== undefined || jwt.issuer !== undefined))
    throw configError('AUTHORIZER_COGNITO_USER_POOL', 'cannot be combined with the jwkUrl or issuer code options')
  const oidc = parseOidcSettings(settings)
  if (oidc !== undefined && (parseOptional(jwt.jwkUrl) !== undefined || jwt.issuer !== undefined || parseOptional(jwt.key) !== undefined))
    throw configError(oidc.setting, 'cannot be combined with the jwkUrl, issuer or key code options')
  const keySource = strongKeys(parseKeySource(settings, jwt, onSkip, pool, oidc, discovered), allowWeakHmacKey, onSkip)
  const audience = parseOptional(jwt.audience) ?? parseOptional(settings.CUBEJS_JWT_AUDIENCE)
  const issuers = parseIssuers(settings, jwt, pool, oidc)
  requireIssuerAndAudience(keySource, issuers, audience, allowAnyIssuer, allowAnyAudience)
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
    audience,
    issuers,
    subject: parseOptional(jwt.subject) ?? parseOptional(settings.CUBEJS_JWT_SUBJECT),
    claimsNamespace: parseOptional(jwt.claimsNamespace) ?? parseOptional(settings.CUBEJS_JWT_CLAIMS_NAMESPACE),
    devMode: parseBoolean('CUBEJS_DEV_MODE', settings.CUBEJS_DEV_MODE, false),
    responseFormat,
    clockToleranceSeconds: parseInteger('AUTHORIZER_CLOCK_TOLERANCE_SECONDS', settings.AUTHORIZER_CLOCK_TOLERANCE_SECONDS, 0, 0, 300),
    requireExp: parseBoolean('AUTHORIZER_REQUIRE_EXP', settings.AUTHORIZER_REQUIRE_EXP, false),
    maxTokenAgeSeconds: parseMaxTokenAge(settings),
    tokenLocations: parseTokenLocations(settings),
    tokenUse: parseOptional(settings.AUTHORIZER_TOKEN_USE) === undefined ? undefined : parseChoice('AUTHORIZER_TOKEN_USE', settings.AUTHORIZER_TOKEN_USE, Object.values(TokenUse), TokenUse.ACCESS),
    policyScope,
    logLevel: parseChoice('AUTHORIZER_LOG_LEVEL', settings.AUTHORIZER_LOG_LEVEL, Object.values(LogLevel), LogLevel.INFO),
    allowWeakHmacKey,
    allowAnyIssuer,
    allowAnyAudience,
    allowForeignJwksHost: parseBoolean('AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST', settings.AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST, false),
    access,
  })
}
