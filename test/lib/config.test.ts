// Unit tests for settings parsing: key precedence, algorithms, claim rules, our own settings, JWKS URL rules, no leaks.
import { exportJWK, exportSPKI, generateKeyPair } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseConfig, type Config, type JwtOptions } from '../../lib/config.js'
import { ENV_ONLY_SETTINGS, readEnvSettings, SECRET_SETTINGS, type Settings } from '../../lib/config-env.js'
import { parseJwksSource, parseJwksTuning, parseJwksUrl } from '../../lib/config-jwks.js'
import { parseBoolean, parseChoice, parseInteger, parseList, parseNonEmptyList, parseOptional } from '../../lib/config-values.js'
import { AuthorizerError, ErrorCode } from '../../lib/errors.js'

const SECRET = 'xX-distinctive-secret-7f3a9c-Xx-0123456789abcdef0123456789abcdef'
const JWKS_URL = 'https://auth.example.com/.well-known/jwks.json'
const HMAC = ['HS256', 'HS384', 'HS512']
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
const ASYMMETRIC = [...RSA, 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']

let rsaPem: string
let ecP256Pem: string
let ecP384Pem: string
let ed25519Pem: string
let ecJwkJson: string

beforeAll(async () => {
  const rsa = await generateKeyPair('RS256', { extractable: true })
  const p256 = await generateKeyPair('ES256', { extractable: true })
  const p384 = await generateKeyPair('ES384', { extractable: true })
  const ed = await generateKeyPair('Ed25519', { extractable: true })
  rsaPem = await exportSPKI(rsa.publicKey)
  ecP256Pem = await exportSPKI(p256.publicKey)
  ecP384Pem = await exportSPKI(p384.publicKey)
  ed25519Pem = await exportSPKI(ed.publicKey)
  ecJwkJson = JSON.stringify({ ...(await exportJWK(p256.publicKey)), kid: 'ec-1' })
})

/** Runs fn and returns the configuration error it throws; fails the test when it does not throw one. */
function configErrorOf(fn: () => unknown): AuthorizerError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(AuthorizerError)
    const authorizerError = error as AuthorizerError
    expect(authorizerError.code).toBe(ErrorCode.CONFIG_INVALID)
    return authorizerError
  }
  throw new Error('expected a configuration error, got none')
}

const parse = (settings: Settings, jwt?: JwtOptions): Config => parseConfig(settings, jwt)
/** The explicit opt-outs a remote JWKS needs when a test gives no issuer or audience. */
const ANY: Settings = { AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }
const withSecret = (extra: Settings = {}): Config => parse({ CUBEJS_API_SECRET: SECRET, ...extra })

function staticSecrets(config: Config): string[] {
  const source = config.keySource
  if (source.kind !== 'static') throw new Error('expected static keys')
  return source.keys.map((k) => k.key.export().toString('utf8'))
}

describe('key source precedence', () => {
  it('prefers CUBEJS_JWK_URL over every other key setting', () => {
    const config = parse({ ...ANY, CUBEJS_JWK_URL: JWKS_URL, CUBEJS_JWT_KEY: 'jwt-key-0123456789abcdef0123456789abcdef', CUBEJS_API_SECRETS: 'a-0123456789abcdef0123456789abcdef,b-0123456789abcdef0123456789abcdef', CUBEJS_API_SECRET: SECRET })
    expect(config.keySource.kind).toBe('jwks')
    if (config.keySource.kind === 'jwks') expect(config.keySource.jwks.url).toBe(JWKS_URL)
  })

  it('prefers CUBEJS_JWT_KEY over CUBEJS_API_SECRETS and CUBEJS_API_SECRET', () => {
    const config = parse({ CUBEJS_JWT_KEY: 'jwt-key-0123456789abcdef0123456789abcdef', CUBEJS_API_SECRETS: 'a-0123456789abcdef0123456789abcdef,b-0123456789abcdef0123456789abcdef', CUBEJS_API_SECRET: SECRET })
    expect(config.keySource).toMatchObject({ kind: 'static', setting: 'CUBEJS_JWT_KEY' })
    expect(staticSecrets(config)).toEqual(['jwt-key-0123456789abcdef0123456789abcdef'])
  })

  it('prefers a non-empty CUBEJS_API_SECRETS over CUBEJS_API_SECRET', () => {
    const config = parse({ CUBEJS_API_SECRETS: 'a-0123456789abcdef0123456789abcdef,b-0123456789abcdef0123456789abcdef', CUBEJS_API_SECRET: SECRET })
    expect(config.keySource).toMatchObject({ kind: 'static', setting: 'CUBEJS_API_SECRETS' })
    expect(staticSecrets(config)).toEqual(['a-0123456789abcdef0123456789abcdef', 'b-0123456789abcdef0123456789abcdef'])
  })

  it('uses CUBEJS_API_SECRET when nothing else is set, untrimmed as Cube uses it', () => {
    const config = parse({ CUBEJS_API_SECRET: ` ${SECRET} ` })
    expect(config.keySource).toMatchObject({ kind: 'static', setting: 'CUBEJS_API_SECRET' })
    expect(staticSecrets(config)).toEqual([` ${SECRET} `])
  })

  it('accepts a JWK URL with issuer and audience, and no secret, as a complete setup', () => {
    const config = parse({ CUBEJS_JWK_URL: JWKS_URL, CUBEJS_JWT_ISSUER: 'https://auth.example.com/', CUBEJS_JWT_AUDIENCE: 'cube-api' })
    expect(config.keySource.kind).toBe('jwks')
  })

  it('treats a blank CUBEJS_JWK_URL or CUBEJS_JWT_KEY as unset', () => {
    const config = parse({ CUBEJS_JWK_URL: '  ', CUBEJS_JWT_KEY: '', CUBEJS_API_SECRET: SECRET })
    expect(config.keySource).toMatchObject({ kind: 'static', setting: 'CUBEJS_API_SECRET' })
  })

  it('fails naming CUBEJS_API_SECRET when no key is configured at all', () => {
    const error = configErrorOf(() => parse({}))
    expect(error.setting).toBe('CUBEJS_API_SECRET')
  })

  it('fails when CUBEJS_API_SECRET is only whitespace', () => {
    const error = configErrorOf(() => parse({ CUBEJS_API_SECRET: '   ' }))
    expect(error.setting).toBe('CUBEJS_API_SECRET')
  })

  it('lets the jwt.key code option win over CUBEJS_JWT_KEY and the secrets', () => {
    const config = parse({ CUBEJS_JWT_KEY: 'from-setting-0123456789abcdef0123456789abcdef', CUBEJS_API_SECRET: SECRET }, { key: 'from-code-0123456789abcdef0123456789abcdef' })
    expect(staticSecrets(config)).toEqual(['from-code-0123456789abcdef0123456789abcdef'])
  })

  it('lets the jwt.jwkUrl code option win over CUBEJS_JWK_URL', () => {
    const config = parse({ ...ANY, CUBEJS_JWK_URL: JWKS_URL }, { jwkUrl: 'https://code.example.com/jwks' })
    expect(config.keySource.kind === 'jwks' && config.keySource.jwks.url).toBe('https://code.example.com/jwks')
  })
})

describe('CUBEJS_API_SECRETS', () => {
  it('trims items, drops empty ones and removes duplicates', () => {
    const config = parse({ CUBEJS_API_SECRETS: ' one-0123456789abcdef0123456789abcdef , ,two-0123456789abcdef0123456789abcdef,one-0123456789abcdef0123456789abcdef,, three-0123456789abcdef0123456789abcdef ' })
    expect(staticSecrets(config)).toEqual(['one-0123456789abcdef0123456789abcdef', 'two-0123456789abcdef0123456789abcdef', 'three-0123456789abcdef0123456789abcdef'])
  })

  it('falls back to CUBEJS_API_SECRET when it holds only commas and spaces', () => {
    const config = parse({ CUBEJS_API_SECRETS: ' , ,', CUBEJS_API_SECRET: SECRET })
    expect(config.keySource).toMatchObject({ kind: 'static', setting: 'CUBEJS_API_SECRET' })
    expect(staticSecrets(config)).toEqual([SECRET])
  })

  it('gives every rotation secret the HMAC algorithms', () => {
    const config = parse({ CUBEJS_API_SECRETS: 'old-0123456789abcdef0123456789abcdef00000000000000000000000000000000,new-0123456789abcdef0123456789abcdef00000000000000000000000000000000' })
    if (config.keySource.kind !== 'static') throw new Error('expected static keys')
    expect(config.keySource.keys.map((k) => k.algorithms)).toEqual([HMAC, HMAC])
  })
})

describe('CUBEJS_JWT_ALGS', () => {
  it('trims the listed algorithms and keeps their order', () => {
    expect(withSecret({ CUBEJS_JWT_ALGS: ' HS512 , HS256 ' }).algorithms).toEqual(['HS512', 'HS256'])
  })

  it('is a configuration error when set but empty', () => {
    expect(configErrorOf(() => withSecret({ CUBEJS_JWT_ALGS: '' })).setting).toBe('CUBEJS_JWT_ALGS')
    expect(configErrorOf(() => withSecret({ CUBEJS_JWT_ALGS: ' , ' })).setting).toBe('CUBEJS_JWT_ALGS')
  })

  it('never accepts none, alone or next to a real algorithm', () => {
    expect(configErrorOf(() => withSecret({ CUBEJS_JWT_ALGS: 'none' })).setting).toBe('CUBEJS_JWT_ALGS')
    expect(configErrorOf(() => withSecret({ CUBEJS_JWT_ALGS: 'HS256,none' })).setting).toBe('CUBEJS_JWT_ALGS')
  })

  it('rejects an algorithm it does not support', () => {
    expect(configErrorOf(() => withSecret({ CUBEJS_JWT_ALGS: 'HS256,XS999' })).setting).toBe('CUBEJS_JWT_ALGS')
  })

  it('rejects an algorithm list the configured key cannot verify (HS256 with an RSA PEM)', () => {
    const error = configErrorOf(() => parse({ CUBEJS_JWT_KEY: rsaPem, CUBEJS_JWT_ALGS: 'HS256' }))
    expect(error.setting).toBe('CUBEJS_JWT_ALGS')
  })

  it('rejects an asymmetric algorithm for an HMAC secret', () => {
    expect(configErrorOf(() => withSecret({ CUBEJS_JWT_ALGS: 'RS256' })).setting).toBe('CUBEJS_JWT_ALGS')
  })

  it('keeps only the listed algorithms the key can verify', () => {
    expect(parse({ CUBEJS_JWT_KEY: rsaPem, CUBEJS_JWT_ALGS: 'HS256,RS256' }).algorithms).toEqual(['RS256'])
  })

  it('allows HS algorithms to be listed for a JWKS URL only if asymmetric ones remain', () => {
    expect(configErrorOf(() => parse({ ...ANY, CUBEJS_JWK_URL: JWKS_URL, CUBEJS_JWT_ALGS: 'HS256' })).setting).toBe('CUBEJS_JWT_ALGS')
    expect(parse({ ...ANY, CUBEJS_JWK_URL: JWKS_URL, CUBEJS_JWT_ALGS: 'RS256,HS256' }).algorithms).toEqual(['RS256'])
  })

  it('lets the jwt.algorithms code option win over the setting', () => {
    expect(withSecret({ CUBEJS_JWT_ALGS: 'HS512' }).algorithms).toEqual(['HS512'])
    expect(parse({ CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: 'HS512' }, { algorithms: ['HS384'] }).algorithms).toEqual(['HS384'])
  })

  it('rejects none given as a code option too', () => {
    expect(configErrorOf(() => parse({ CUBEJS_API_SECRET: SECRET }, { algorithms: ['none'] })).setting).toBe('CUBEJS_JWT_ALGS')
  })
})

describe('default algorithms per key type', () => {
  it('allows HS256, HS384 and HS512 for a secret', () => {
    expect(withSecret().algorithms).toEqual(HMAC)
  })

  it('allows RS* and PS* for an RSA public key', () => {
    expect(parse({ CUBEJS_JWT_KEY: rsaPem }).algorithms).toEqual(RSA)
  })

  it('allows only ES256 for an EC P-256 key', () => {
    expect(parse({ CUBEJS_JWT_KEY: ecP256Pem }).algorithms).toEqual(['ES256'])
  })

  it('allows only ES384 for an EC P-384 key', () => {
    expect(parse({ CUBEJS_JWT_KEY: ecP384Pem }).algorithms).toEqual(['ES384'])
  })

  it('allows EdDSA and Ed25519 for an Ed25519 key', () => {
    expect(parse({ CUBEJS_JWT_KEY: ed25519Pem }).algorithms).toEqual(['EdDSA', 'Ed25519'])
  })

  it('allows the algorithm of a JSON JWK in CUBEJS_JWT_KEY', () => {
    const config = parse({ CUBEJS_JWT_KEY: ecJwkJson })
    expect(config.algorithms).toEqual(['ES256'])
    expect(config.keySource.kind === 'static' && config.keySource.keys.map((k) => k.kid)).toEqual(['ec-1'])
  })

  it('allows every asymmetric algorithm, and no HMAC, for a JWKS URL', () => {
    expect(parse({ ...ANY, CUBEJS_JWK_URL: JWKS_URL }).algorithms).toEqual(ASYMMETRIC)
  })
})

describe('claim rules', () => {
  it('trims the issuer list and drops empty items', () => {
    expect(withSecret({ CUBEJS_JWT_ISSUER: ' https://a.example/ , ,https://b.example/ ' }).issuers).toEqual([
      'https://a.example/',
      'https://b.example/',
    ])
  })

  it('is a configuration error when CUBEJS_JWT_ISSUER is set but empty', () => {
    expect(configErrorOf(() => withSecret({ CUBEJS_JWT_ISSUER: '' })).setting).toBe('CUBEJS_JWT_ISSUER')
    expect(configErrorOf(() => withSecret({ CUBEJS_JWT_ISSUER: ' , ' })).setting).toBe('CUBEJS_JWT_ISSUER')
  })

  it('leaves issuer, audience, subject and namespace unset by default', () => {
    const config = withSecret()
    expect([config.issuers, config.audience, config.subject, config.claimsNamespace]).toEqual([undefined, undefined, undefined, undefined])
  })

  it('reads audience, subject and claims namespace, treating blank as unset', () => {
    const config = withSecret({ CUBEJS_JWT_AUDIENCE: 'cube', CUBEJS_JWT_SUBJECT: 'svc', CUBEJS_JWT_CLAIMS_NAMESPACE: 'https://cube.dev/' })
    expect([config.audience, config.subject, config.claimsNamespace]).toEqual(['cube', 'svc', 'https://cube.dev/'])
    const blank = withSecret({ CUBEJS_JWT_AUDIENCE: ' ', CUBEJS_JWT_SUBJECT: '', CUBEJS_JWT_CLAIMS_NAMESPACE: '' })
    expect([blank.audience, blank.subject, blank.claimsNamespace]).toEqual([undefined, undefined, undefined])
  })

  it('lets code options win over the claim settings', () => {
    const settings: Settings = {
      CUBEJS_API_SECRET: SECRET,
      CUBEJS_JWT_AUDIENCE: 'setting-aud',
      CUBEJS_JWT_ISSUER: 'setting-iss',
      CUBEJS_JWT_SUBJECT: 'setting-sub',
      CUBEJS_JWT_CLAIMS_NAMESPACE: 'setting-ns',
    }
    const config = parse(settings, { audience: 'code-aud', issuer: 'code-iss', subject: 'code-sub', claimsNamespace: 'code-ns' })
    expect([config.audience, config.issuers, config.subject, config.claimsNamespace]).toEqual(['code-aud', ['code-iss'], 'code-sub', 'code-ns'])
    expect(parse(settings, { issuer: ['i1', 'i2'] }).issuers).toEqual(['i1', 'i2'])
  })
})

describe('CUBEJS_DEV_MODE', () => {
  it('is off by default and when blank', () => {
    expect(withSecret().devMode).toBe(false)
    expect(withSecret({ CUBEJS_DEV_MODE: ' ' }).devMode).toBe(false)
  })

  it('accepts true and false in any case, trimmed', () => {
    expect(withSecret({ CUBEJS_DEV_MODE: 'true' }).devMode).toBe(true)
    expect(withSecret({ CUBEJS_DEV_MODE: ' TRUE ' }).devMode).toBe(true)
    expect(withSecret({ CUBEJS_DEV_MODE: 'False' }).devMode).toBe(false)
  })

  it('rejects any other value rather than guessing', () => {
    expect(configErrorOf(() => withSecret({ CUBEJS_DEV_MODE: 'yes' })).setting).toBe('CUBEJS_DEV_MODE')
    expect(configErrorOf(() => withSecret({ CUBEJS_DEV_MODE: '1' })).setting).toBe('CUBEJS_DEV_MODE')
  })
})

describe('our own settings', () => {
  it('defaults AUTHORIZER_RESPONSE_FORMAT to iam and accepts iam or simple in any case', () => {
    expect(withSecret().responseFormat).toBe('iam')
    expect(withSecret({ AUTHORIZER_RESPONSE_FORMAT: 'iam' }).responseFormat).toBe('iam')
    expect(withSecret({ AUTHORIZER_RESPONSE_FORMAT: ' Simple ' }).responseFormat).toBe('simple')
  })

  it('rejects an unknown AUTHORIZER_RESPONSE_FORMAT', () => {
    expect(configErrorOf(() => withSecret({ AUTHORIZER_RESPONSE_FORMAT: 'json' })).setting).toBe('AUTHORIZER_RESPONSE_FORMAT')
  })

  it('defaults AUTHORIZER_CLOCK_TOLERANCE_SECONDS to 0 and reads whole seconds up to 300', () => {
    expect(withSecret().clockToleranceSeconds).toBe(0)
    expect(withSecret({ AUTHORIZER_CLOCK_TOLERANCE_SECONDS: '' }).clockToleranceSeconds).toBe(0)
    expect(withSecret({ AUTHORIZER_CLOCK_TOLERANCE_SECONDS: ' 30 ' }).clockToleranceSeconds).toBe(30)
    expect(withSecret({ AUTHORIZER_CLOCK_TOLERANCE_SECONDS: '300' }).clockToleranceSeconds).toBe(300)
  })

  it.each(['-1', '301', '1.5', 'abc', '1e2', '0x10', '30s', 'NaN', 'Infinity'])(
    'rejects AUTHORIZER_CLOCK_TOLERANCE_SECONDS=%j',
    (value) => {
      expect(configErrorOf(() => withSecret({ AUTHORIZER_CLOCK_TOLERANCE_SECONDS: value })).setting).toBe('AUTHORIZER_CLOCK_TOLERANCE_SECONDS')
    },
  )

  it('reads AUTHORIZER_REQUIRE_EXP as a strict boolean, default false', () => {
    expect(withSecret().requireExp).toBe(false)
    expect(withSecret({ AUTHORIZER_REQUIRE_EXP: 'true' }).requireExp).toBe(true)
    expect(configErrorOf(() => withSecret({ AUTHORIZER_REQUIRE_EXP: 'on' })).setting).toBe('AUTHORIZER_REQUIRE_EXP')
  })

  it('defaults AUTHORIZER_POLICY_SCOPE to stage and accepts route', () => {
    expect(withSecret().policyScope).toBe('stage')
    expect(withSecret({ AUTHORIZER_POLICY_SCOPE: 'route' }).policyScope).toBe('route')
    expect(configErrorOf(() => withSecret({ AUTHORIZER_POLICY_SCOPE: 'api' })).setting).toBe('AUTHORIZER_POLICY_SCOPE')
  })

  it('defaults AUTHORIZER_LOG_LEVEL to info and accepts debug, info, warn and error', () => {
    expect(withSecret().logLevel).toBe('info')
    for (const level of ['debug', 'info', 'warn', 'error']) expect(withSecret({ AUTHORIZER_LOG_LEVEL: level.toUpperCase() }).logLevel).toBe(level)
    expect(configErrorOf(() => withSecret({ AUTHORIZER_LOG_LEVEL: 'trace' })).setting).toBe('AUTHORIZER_LOG_LEVEL')
  })
})

describe('immutability', () => {
  it('freezes the configuration object and its lists', () => {
    const config = parse({ CUBEJS_API_SECRETS: 'a-0123456789abcdef0123456789abcdef,b-0123456789abcdef0123456789abcdef', CUBEJS_JWT_ISSUER: 'https://iss.example/' })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.algorithms)).toBe(true)
    expect(Object.isFrozen(config.issuers)).toBe(true)
    expect(Object.isFrozen(config.keySource)).toBe(true)
    if (config.keySource.kind !== 'static') throw new Error('expected static keys')
    expect(Object.isFrozen(config.keySource.keys)).toBe(true)
    expect(config.keySource.keys.every((k) => Object.isFrozen(k) && Object.isFrozen(k.algorithms))).toBe(true)
  })

  it('throws when code tries to widen the accepted algorithms', () => {
    const config = withSecret()
    expect(() => (config.algorithms as string[]).push('none')).toThrow(TypeError)
    expect(() => Object.assign(config, { devMode: true })).toThrow(TypeError)
    expect(config.algorithms).toEqual(HMAC)
  })

  it('freezes the JWKS source and its tuning', () => {
    const config = parse({ ...ANY, CUBEJS_JWK_URL: JWKS_URL })
    if (config.keySource.kind !== 'jwks') throw new Error('expected a JWKS source')
    expect([Object.isFrozen(config.keySource), Object.isFrozen(config.keySource.jwks), Object.isFrozen(config.keySource.jwks.tuning)]).toEqual([
      true,
      true,
      true,
    ])
  })

  it('does not share a copy of code option lists with the caller', () => {
    const issuers = ['a']
    const config = parse({ CUBEJS_API_SECRET: SECRET }, { issuer: issuers })
    issuers.push('b')
    expect(config.issuers).toEqual(['a'])
  })
})

describe('CUBEJS_JWK_URL rules', () => {
  it('accepts an https URL', () => {
    expect(parseJwksUrl('CUBEJS_JWK_URL', ` ${JWKS_URL} `)).toBe(JWKS_URL)
  })

  it.each(['http://127.0.0.1:8080/jwks', 'http://127.10.20.30/jwks', 'http://localhost:3000/jwks', 'http://LOCALHOST/jwks', 'http://[::1]:9000/jwks'])(
    'accepts plain http for the loopback URL %s',
    (url) => {
      expect(parseJwksUrl('CUBEJS_JWK_URL', url)).toBe(new URL(url).href)
    },
  )

  it.each(['http://auth.example.com/jwks', 'http://10.0.0.1/jwks', 'http://localhost.example.com/jwks', 'http://127.0.0.1.nip.io/jwks'])(
    'rejects plain http for the non-loopback URL %s',
    (url) => {
      expect(configErrorOf(() => parseJwksUrl('CUBEJS_JWK_URL', url)).setting).toBe('CUBEJS_JWK_URL')
    },
  )

  it('rejects credentials in the URL without echoing them', () => {
    const error = configErrorOf(() => parse({ CUBEJS_JWK_URL: `https://user:${SECRET}@auth.example.com/jwks` }))
    expect(error.setting).toBe('CUBEJS_JWK_URL')
    expect(error.message).not.toContain(SECRET)
    expect(configErrorOf(() => parseJwksUrl('CUBEJS_JWK_URL', 'https://user@auth.example.com/jwks')).setting).toBe('CUBEJS_JWK_URL')
  })

  it('rejects other schemes and text that is not a URL', () => {
    expect(configErrorOf(() => parseJwksUrl('CUBEJS_JWK_URL', 'ftp://auth.example.com/jwks')).setting).toBe('CUBEJS_JWK_URL')
    expect(configErrorOf(() => parseJwksUrl('CUBEJS_JWK_URL', 'file:///etc/jwks.json')).setting).toBe('CUBEJS_JWK_URL')
    expect(configErrorOf(() => parseJwksUrl('CUBEJS_JWK_URL', 'auth.example.com/jwks')).setting).toBe('CUBEJS_JWK_URL')
  })

  it('names CUBEJS_JWK_URL when the code option jwkUrl is at fault', () => {
    expect(configErrorOf(() => parse({}, { jwkUrl: 'http://auth.example.com/jwks' })).setting).toBe('CUBEJS_JWK_URL')
  })
})

describe('JWKS tuning', () => {
  it('has documented defaults', () => {
    expect(parseJwksTuning({})).toEqual({ maxAgeSeconds: undefined, cooldownSeconds: 30, timeoutMs: 2000, staleSeconds: 86_400 })
  })

  it('reads each tuning setting', () => {
    const tuning = parseJwksTuning({
      AUTHORIZER_JWKS_MAX_AGE_SECONDS: '0',
      AUTHORIZER_JWKS_COOLDOWN_SECONDS: '5',
      AUTHORIZER_JWKS_TIMEOUT_MS: '50',
      AUTHORIZER_JWKS_STALE_SECONDS: '604800',
    })
    expect(tuning).toEqual({ maxAgeSeconds: 0, cooldownSeconds: 5, timeoutMs: 50, staleSeconds: 604_800 })
  })

  it.each([
    ['AUTHORIZER_JWKS_MAX_AGE_SECONDS', '86401'],
    ['AUTHORIZER_JWKS_COOLDOWN_SECONDS', '3601'],
    ['AUTHORIZER_JWKS_TIMEOUT_MS', '49'],
    ['AUTHORIZER_JWKS_TIMEOUT_MS', '29001'],
    ['AUTHORIZER_JWKS_STALE_SECONDS', '604801'],
    ['AUTHORIZER_JWKS_COOLDOWN_SECONDS', 'soon'],
  ] as const)('rejects %s=%s', (name, value) => {
    expect(configErrorOf(() => parseJwksTuning({ [name]: value })).setting).toBe(name)
  })

  it('is part of the JWKS source parsed from settings', () => {
    const source = parseJwksSource({ CUBEJS_JWK_URL: JWKS_URL, AUTHORIZER_JWKS_COOLDOWN_SECONDS: '7' }, undefined)
    expect(source?.tuning.cooldownSeconds).toBe(7)
    expect(parseJwksSource({}, undefined)).toBeUndefined()
  })
})

describe('readEnvSettings', () => {
  it('reads only the known setting names and freezes the snapshot', () => {
    const settings = readEnvSettings({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_LOG_LEVEL: 'debug', PATH: '/usr/bin', CUBEJS_DB_PASS: 'db', AUTHORIZER_UNKNOWN: 'x' })
    expect(settings).toEqual({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_LOG_LEVEL: 'debug' })
    expect(Object.isFrozen(settings)).toBe(true)
  })

  it('keeps a set-but-empty value so that it can be told apart from unset', () => {
    expect(readEnvSettings({ CUBEJS_JWT_ALGS: '' })).toEqual({ CUBEJS_JWT_ALGS: '' })
  })

  it('knows every setting name once, and Cube names keep their CUBEJS_ prefix while ours start with AUTHORIZER_', () => {
    const names = [...SECRET_SETTINGS, ...ENV_ONLY_SETTINGS]
    expect(new Set(names).size).toBe(names.length)
    expect(names.every((name) => name.startsWith('CUBEJS_') || name.startsWith('AUTHORIZER_'))).toBe(true)
    const env = Object.fromEntries(names.map((name) => [name, `v-${name}`]))
    expect(Object.keys(readEnvSettings(env)).sort()).toEqual([...names].sort())
  })
})

describe('setting value parsers', () => {
  it('parseList trims, drops empty items and de-duplicates', () => {
    expect(parseList(' a,b , a,,c ')).toEqual(['a', 'b', 'c'])
    expect(parseList('')).toEqual([])
  })

  it('parseNonEmptyList keeps unset apart from set-but-empty', () => {
    expect(parseNonEmptyList('X', undefined)).toBeUndefined()
    expect(configErrorOf(() => parseNonEmptyList('X', ',')).setting).toBe('X')
  })

  it('parseInteger, parseBoolean and parseChoice fall back on blank values', () => {
    expect(parseInteger('X', '  ', 7, 0, 10)).toBe(7)
    expect(parseBoolean('X', '', true)).toBe(true)
    expect(parseChoice('X', ' ', ['a', 'b'], 'b')).toBe('b')
  })

  it('parseOptional treats blank as unset but keeps a value untrimmed', () => {
    expect(parseOptional('   ')).toBeUndefined()
    expect(parseOptional(' v ')).toBe(' v ')
  })
})

describe('configuration errors never leak the secret', () => {
  const cases: ReadonlyArray<readonly [string, Settings]> = [
    ['CUBEJS_JWT_ALGS', { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: `none,${SECRET}` }],
    ['CUBEJS_JWT_ISSUER', { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ISSUER: ',' }],
    ['CUBEJS_DEV_MODE', { CUBEJS_API_SECRET: SECRET, CUBEJS_DEV_MODE: SECRET }],
    ['AUTHORIZER_RESPONSE_FORMAT', { CUBEJS_API_SECRET: SECRET, AUTHORIZER_RESPONSE_FORMAT: SECRET }],
    ['AUTHORIZER_CLOCK_TOLERANCE_SECONDS', { CUBEJS_API_SECRET: SECRET, AUTHORIZER_CLOCK_TOLERANCE_SECONDS: SECRET }],
    ['AUTHORIZER_LOG_LEVEL', { CUBEJS_API_SECRET: SECRET, AUTHORIZER_LOG_LEVEL: SECRET }],
    ['CUBEJS_JWK_URL', { CUBEJS_JWK_URL: SECRET }],
    ['CUBEJS_JWK_URL', { CUBEJS_JWK_URL: `ftp://${SECRET}.example.com/` }],
    ['AUTHORIZER_JWK_URLS', { AUTHORIZER_JWK_URLS: `{"https://iss.example/": ${SECRET}}` }],
    ['AUTHORIZER_JWK_URLS', { AUTHORIZER_JWK_URLS: `{"https://iss.example/": "https://u:${SECRET}@iss.example/jwks"}` }],
    ['CUBEJS_JWT_KEY', { CUBEJS_JWT_KEY: `-----BEGIN PUBLIC KEY-----\n${SECRET}\n-----END PUBLIC KEY-----` }],
    ['CUBEJS_JWT_KEY', { CUBEJS_JWT_KEY: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----` }],
    ['CUBEJS_JWT_KEY', { CUBEJS_JWT_KEY: `{"k": ${SECRET}}` }],
    ['CUBEJS_JWT_KEY', { CUBEJS_JWT_KEY: `{"kty":"oct","k":"","kid":"${SECRET}"}` }],
    ['CUBEJS_API_SECRET', { CUBEJS_API_SECRET: `-----BEGIN PUBLIC KEY-----${SECRET}` }],
    ['CUBEJS_API_SECRETS', { CUBEJS_API_SECRETS: `ok,{"kty":"RSA","n":"${SECRET}"}` }],
  ]

  it.each(cases)('names %s and keeps the secret out of the message', (setting, settings) => {
    const error = configErrorOf(() => parse(settings))
    expect(error.setting).toBe(setting)
    expect(error.message).toContain(setting)
    expect(error.message).not.toContain(SECRET)
    expect(String(error)).not.toContain(SECRET)
    expect(error.stack ?? '').not.toContain(SECRET)
    // Nothing that quotes the setting hangs off the error either: JSON.parse's message does quote its input.
    expect(String(error.cause ?? '')).not.toContain(SECRET.slice(0, 5))
  })
})

describe('empty code options', () => {
  it('fall back to the settings, as Cube combines them with ||', () => {
    const config = parse({ CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_AUDIENCE: 'aud-from-settings' }, { key: '', jwkUrl: '', audience: '', subject: '', claimsNamespace: '' })
    expect(staticSecrets(config)).toEqual([SECRET])
    expect(config.audience).toBe('aud-from-settings')
    expect(config.subject).toBeUndefined()
    expect(config.claimsNamespace).toBeUndefined()
  })
})
