// The only module that reads process.env: it snapshots the authorizer's settings by name.

/** Settings that may live in SSM Parameter Store as well as in the environment (secrets, and what rotates with them). */
export const SECRET_SETTINGS = [
  'CUBEJS_API_SECRET',
  'CUBEJS_API_SECRETS',
  'CUBEJS_JWT_KEY',
  'CUBEJS_JWK_URL',
  'CUBEJS_JWT_ALGS',
  'CUBEJS_JWT_AUDIENCE',
  'CUBEJS_JWT_ISSUER',
  'CUBEJS_JWT_SUBJECT',
  'CUBEJS_JWT_CLAIMS_NAMESPACE',
  'AUTHORIZER_JWK_URLS',
] as const

/** Deploy-time settings: environment only. */
export const ENV_ONLY_SETTINGS = [
  'CUBEJS_DEV_MODE',
  'AUTHORIZER_RESPONSE_FORMAT',
  'AUTHORIZER_CLOCK_TOLERANCE_SECONDS',
  'AUTHORIZER_REQUIRE_EXP',
  'AUTHORIZER_POLICY_SCOPE',
  'AUTHORIZER_LOG_LEVEL',
  'AUTHORIZER_METRICS',
  'AUTHORIZER_DEMO_LOGIN',
  'AUTHORIZER_SSM_PATH',
  'AUTHORIZER_SSM_TIMEOUT_MS',
  'AUTHORIZER_SSM_TTL_SECONDS',
  'AUTHORIZER_JWKS_MAX_AGE_SECONDS',
  'AUTHORIZER_JWKS_COOLDOWN_SECONDS',
  'AUTHORIZER_JWKS_TIMEOUT_MS',
  'AUTHORIZER_JWKS_STALE_SECONDS',
  'AUTHORIZER_ALLOW_WEAK_HMAC_KEY',
  'AUTHORIZER_ALLOW_ANY_ISSUER',
  'AUTHORIZER_ALLOW_ANY_AUDIENCE',
  'AUTHORIZER_CUBE_API_SCOPES',
  'AUTHORIZER_SCOPES_CLAIM',
  'CUBEJS_DEFAULT_API_SCOPES',
  'AUTHORIZER_CUBE_BASE_PATH',
  'AUTHORIZER_UNSCOPED_ROUTES',
  'AUTHORIZER_RESULT_CACHE',
  'AUTHORIZER_ROUTE_REQUIREMENTS',
  // Identity providers (issue 14): read at deploy time, and discovery starts in the init phase, before SSM answers.
  'AUTHORIZER_MAX_TOKEN_AGE_SECONDS',
  'AUTHORIZER_TOKEN_USE',
  'AUTHORIZER_COGNITO_USER_POOL',
  'AUTHORIZER_OIDC_ISSUER',
  'AUTHORIZER_OIDC_ISSUERS',
  'AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST',
  'AUTHORIZER_TOKEN_QUERY_PARAM',
  'AUTHORIZER_TOKEN_COOKIE',
] as const

export type SettingName = (typeof SECRET_SETTINGS)[number] | (typeof ENV_ONLY_SETTINGS)[number]

/** A snapshot of settings by name; a missing name is unset. */
export type Settings = Readonly<Partial<Record<SettingName, string>>>

const ALL_SETTINGS: readonly SettingName[] = [...SECRET_SETTINGS, ...ENV_ONLY_SETTINGS]

export function readEnvSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const settings: Partial<Record<SettingName, string>> = {}
  for (const name of ALL_SETTINGS) {
    const value = env[name]
    if (value !== undefined) settings[name] = value
  }
  return Object.freeze(settings)
}

/** A settings source may hand out a fresh object per call; only a changed value warrants re-parsing keys and config. */
export function sameSettings(a: Settings, b: Settings): boolean {
  if (a === b) return true
  const names = Object.keys(a) as SettingName[]
  return names.length === Object.keys(b).length && names.every((name) => Object.hasOwn(b, name) && a[name] === b[name])
}
