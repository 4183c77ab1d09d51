// Every key setting Cube supports, as configurations for the Cube differential test, with the keys that sign for them.
import { createPublicKey, randomBytes } from 'node:crypto'
import type { JwksServer } from './jwks-server.js'
import { keyedWith, mint, type Case, type Context, type Declaration, type Profile, type Signer } from './cube-tokens.js'
import { exponentOne, keyMaterial, openSsh } from './cube-keys.js'
import type { Pair } from './security-tokens.js'

export interface Config {
  readonly name: string
  /** Our settings; Cube reads the CUBEJS_* among them (AUTHORIZER_* are ours alone). */
  readonly settings: Readonly<Record<string, string>>
  readonly profile: Profile
  /** Cube's enforceSecurityChecks (off: Cube outside NODE_ENV=production, compared with our CUBEJS_DEV_MODE). */
  readonly enforce?: false
  /** Mutations run once each ('all': every one that applies), then `random` more seeded draws among them. */
  readonly mutations: readonly string[] | 'all'
  readonly random?: number
  /** A configuration-wide difference for the case a mutation made (e.g. Cube rejects every token of this set). */
  readonly declare?: (mutation: string, made: Case) => Declaration
  readonly extra?: (ctx: Context) => Promise<Case[]>
}

export const AUDIENCE = 'https://cube.example.com/api'
export const ISSUERS = ['https://a.example.com/', 'https://b.example.com/'] as const
export const NAMESPACE = 'https://cube.example.com/claims'
const CORE = ['valid', 'expired', 'wrongKey', 'missingToken', 'algNone']

const secret = () => randomBytes(64).toString('base64url')
const rsaSigners = (p: Pair, kid?: string): Signer[] => ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'].map((alg) => ({ alg, key: p.privateKey, ...(kid === undefined ? {} : { kid }) }))
const hsSigners = (text: string): Signer[] => ['HS256', 'HS384', 'HS512'].map((alg) => ({ ...keyedWith(text), alg }))
const jwk = (p: Pair, extra: object) => ({ ...p.jwk, ...extra })
const always = (declaration: Declaration) => () => declaration
const whenValid = (declaration: Declaration) => (_m: string, made: Case) => (made.valid ? declaration : {})
const one = async (label: string, made: Omit<Case, 'label' | 'headers'>, token: string): Promise<Case> => ({ label, headers: { Authorization: `Bearer ${token}` }, ...made })

export interface Servers {
  readonly main: JwksServer
  readonly kidless: JwksServer
  readonly okp: JwksServer
  readonly metadata: JwksServer
  readonly weakRsa: JwksServer
}

export async function buildConfigs(servers: Servers, now: number): Promise<Config[]> {
  const { rsa, rsaOther, ec, ecOther, ec384, ed, edOther, jRsa, jEc, jOther, cert, small, smallPem } = await keyMaterial()
  const [a, b, c] = [secret(), secret(), secret()]
  const claimsRules = { CUBEJS_JWT_AUDIENCE: AUDIENCE, CUBEJS_JWT_ISSUER: ISSUERS.join(',') }
  const claimsProfile = { audience: AUDIENCE, issuers: ISSUERS }

  servers.main.setKeys({ keys: [jwk(jRsa, { kid: 'r1' }), jwk(jEc, { kid: 'e1', alg: 'ES256', use: 'sig' })] })
  servers.kidless.setKeys({ keys: [jwk(jRsa, { kid: 'r1' }), jwk(jOther, {})] })
  servers.okp.setKeys({ keys: [jwk(jRsa, { kid: 'r1' }), jwk(ed, { kid: 'ed1' })] })
  servers.metadata.setKeys({
    keys: [
      jwk(jRsa, { kid: 'ra', alg: 'RS256' }), jwk(rsa, { kid: 'enc', use: 'enc' }), jwk(ec, { kid: 'ops', key_ops: ['encrypt'] }),
      jwk(rsaOther, { kid: 'dup' }), jwk(jOther, { kid: 'dup' }), { ...jOther.privateKey.export({ format: 'jwk' }), kid: 'private' },
      { ...small.publicKey.export({ format: 'jwk' }), kid: 'small' },
    ],
  })
  const weak = exponentOne(jOther, { sub: 'forged', aud: AUDIENCE, iss: ISSUERS[0], exp: now + 3600 })
  // A good key beside it keeps the set usable, so refusing the weak key is a 401 for its tokens, not a 500 for all.
  servers.weakRsa.setKeys({ keys: [jwk(jRsa, { kid: 'r1' }), weak.publicJwk] })
  const jwksSigners: Signer[] = [...rsaSigners(jRsa, 'r1'), { alg: 'ES256', key: jEc.privateKey, kid: 'e1' }]
  const jwksForeign: Signer[] = [...rsaSigners(jOther, 'r1'), { alg: 'ES256', key: ecOther.privateKey, kid: 'e1' }]
  const jwksProfile: Profile = { signers: jwksSigners, foreign: jwksForeign, jwks: true, ...claimsProfile }
  const ecJwkText = JSON.stringify(ec384.jwk)
  // Members in sorted order, as many tools print them: "crv" comes before "kty".
  const sortedJwkText = JSON.stringify(Object.fromEntries(Object.entries(ec384.jwk).sort(([x], [y]) => x.localeCompare(y))))
  const jwksText = JSON.stringify({ keys: [jwk(rsa, { kid: 'k1' }), jwk(ec, { kid: 'k2' })] })
  const spki = createPublicKey(rsa.pem).export({ format: 'der', type: 'spki' }).toString('base64')
  const ssh = openSsh(ed.publicKey)
  const r1 = (claims: object, header = {}) => mint(jwksSigners[0] as Signer, claims, header)
  const good = { aud: AUDIENCE, iss: ISSUERS[0], sub: 'jwks-user', exp: now + 3600 }

  return [
    { name: 'CUBEJS_API_SECRET', settings: { CUBEJS_API_SECRET: a }, profile: { signers: hsSigners(a), foreign: hsSigners(b) }, mutations: 'all', random: 30 },
    { name: 'CUBEJS_API_SECRETS (rotation; CUBEJS_API_SECRET ignored)', settings: { CUBEJS_API_SECRETS: ` ${a} ,${b},`, CUBEJS_API_SECRET: c }, profile: { signers: [...hsSigners(a), ...hsSigners(b)], foreign: hsSigners(c) }, mutations: CORE, random: 6 },
    {
      name: 'CUBEJS_JWT_KEY as HMAC secret, CUBEJS_JWT_ALGS, audience, two issuers, subject',
      settings: { CUBEJS_JWT_KEY: a, CUBEJS_JWT_ALGS: 'HS256,HS512', ...claimsRules, CUBEJS_JWT_SUBJECT: 'svc-reporting' },
      profile: { signers: hsSigners(a).filter((s) => s.alg !== 'HS384'), foreign: hsSigners(b), ...claimsProfile, subject: 'svc-reporting' }, mutations: 'all', random: 15,
      extra: async () => [await one('HS384, not in CUBEJS_JWT_ALGS', { valid: false }, await mint({ ...keyedWith(a), alg: 'HS384' }, { sub: 'svc-reporting', aud: AUDIENCE, iss: ISSUERS[1] }))],
    },
    {
      name: 'CUBEJS_JWT_KEY as PEM RSA, claims namespace', settings: { CUBEJS_JWT_KEY: rsa.pem, CUBEJS_JWT_CLAIMS_NAMESPACE: NAMESPACE },
      profile: { signers: rsaSigners(rsa), foreign: rsaSigners(rsaOther), namespace: NAMESPACE }, mutations: 'all', random: 15,
      extra: async () => [await one('HS256 keyed with the PEM text', { valid: false }, await mint(keyedWith(rsa.pem), { sub: 'x' }))],
    },
    {
      name: 'a claims namespace naming an inherited property', settings: { CUBEJS_API_SECRET: a, CUBEJS_JWT_CLAIMS_NAMESPACE: 'constructor' }, profile: { signers: hsSigners(a), foreign: hsSigners(b) }, mutations: [],
      extra: async () => [await one('no such claim', { valid: true, difference: 'namespace-not-object' }, await mint(keyedWith(a), { sub: 'x', tenant: 'acme' }))],
    },
    {
      name: 'a sorted public JWK in CUBEJS_API_SECRETS', settings: { CUBEJS_API_SECRETS: sortedJwkText }, profile: { signers: hsSigners('"kty":"EC"'), foreign: hsSigners(b) }, mutations: ['valid', 'expired'],
      declare: always({ difference: 'public-key-as-secret' }),
    },
    { name: 'CUBEJS_JWT_KEY as PEM EC P-256, audience and issuer', settings: { CUBEJS_JWT_KEY: ec.pem, ...claimsRules }, profile: { signers: [{ alg: 'ES256', key: ec.privateKey }], foreign: [{ alg: 'ES256', key: ecOther.privateKey }], ...claimsProfile }, mutations: 'all', random: 10 },
    { name: 'CUBEJS_JWT_KEY as PEM certificate', settings: { CUBEJS_JWT_KEY: cert.pem }, profile: { signers: [{ alg: 'RS256', key: cert.privateKey }], foreign: rsaSigners(rsaOther) }, mutations: CORE },
    {
      name: 'CUBEJS_JWT_KEY as JWK JSON', settings: { CUBEJS_JWT_KEY: ecJwkText }, profile: { signers: [{ alg: 'ES384', key: ec384.privateKey }], foreign: [{ alg: 'ES384', key: ecOther.privateKey }] },
      mutations: ['valid', 'expired', 'missingToken'], declare: whenValid({ difference: 'jwt-key-formats' }),
      extra: async () => [await one('HS256 keyed with the JWK text', { valid: false, difference: 'jwt-key-formats' }, await mint(keyedWith(ecJwkText), { sub: 'x' }))],
    },
    {
      name: 'CUBEJS_JWT_KEY as JWKS JSON', settings: { CUBEJS_JWT_KEY: jwksText }, profile: { signers: [...rsaSigners(rsa, 'k1'), { alg: 'ES256', key: ec.privateKey, kid: 'k2' }], foreign: rsaSigners(rsaOther, 'k1') },
      mutations: ['valid', 'expired', 'wrongKey'], declare: whenValid({ difference: 'jwt-key-formats' }),
      extra: async () => [await one('HS256 keyed with the JWKS text', { valid: false, difference: 'jwt-key-formats' }, await mint(keyedWith(jwksText), { sub: 'x' }))],
    },
    {
      name: 'CUBEJS_JWT_KEY as bare base64 SPKI', settings: { CUBEJS_JWT_KEY: spki }, profile: { signers: rsaSigners(rsa), foreign: rsaSigners(rsaOther) },
      mutations: ['valid', 'expired'], declare: whenValid({ difference: 'jwt-key-formats' }),
      extra: async () => [await one('HS256 keyed with the base64 text', { valid: false, difference: 'jwt-key-formats' }, await mint(keyedWith(spki), { sub: 'x' }))],
    },
    { name: 'CUBEJS_JWT_KEY as PEM Ed25519', settings: { CUBEJS_JWT_KEY: ed.pem }, profile: { signers: [{ alg: 'EdDSA', key: ed.privateKey }], foreign: [{ alg: 'EdDSA', key: edOther.privateKey }] }, mutations: CORE, declare: whenValid({ difference: 'eddsa' }) },
    {
      name: 'CUBEJS_JWK_URL with audience and issuers', settings: { CUBEJS_JWK_URL: servers.main.url, ...claimsRules }, profile: jwksProfile, mutations: 'all', random: 15,
      extra: async () => [
        await one('a token without kid', { valid: false }, await mint({ alg: 'ES256', key: jEc.privateKey }, good)),
        await one('a kid the set does not name', { valid: false }, await r1(good, { kid: 'unknown' })),
        await one('kid e1 with RS256', { valid: false }, await r1(good, { kid: 'e1' })),
      ],
    },
    { name: 'CUBEJS_JWK_URL without issuer or audience', settings: { CUBEJS_JWK_URL: servers.main.url }, profile: { signers: jwksSigners, foreign: jwksForeign, jwks: true }, mutations: ['valid', 'expired'], declare: always({ difference: 'jwks-requires-issuer-audience' }) },
    { name: 'CUBEJS_JWK_URL with AUTHORIZER_ALLOW_ANY_ISSUER/AUDIENCE', settings: { CUBEJS_JWK_URL: servers.main.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }, profile: { signers: jwksSigners, foreign: jwksForeign, jwks: true }, mutations: CORE },
    {
      name: 'CUBEJS_JWK_URL whose set has a key without kid', settings: { CUBEJS_JWK_URL: servers.kidless.url, ...claimsRules }, profile: { ...jwksProfile, signers: rsaSigners(jRsa, 'r1') }, mutations: ['valid', 'expired'], declare: whenValid({ difference: 'jwks-key-breaks-set' }),
      extra: async () => [
        await one('signed by the kid-less key, no kid', { valid: false }, await mint({ alg: 'RS256', key: jOther.privateKey }, good)),
        await one('signed by the kid-less key, unknown kid', { valid: false }, await mint({ alg: 'RS256', key: jOther.privateKey, kid: 'zzz' }, good)),
      ],
    },
    {
      name: 'CUBEJS_JWK_URL whose set has an Ed25519 key', settings: { CUBEJS_JWK_URL: servers.okp.url, ...claimsRules }, profile: { ...jwksProfile, signers: rsaSigners(jRsa, 'r1') }, mutations: ['valid', 'expired'], declare: whenValid({ difference: 'jwks-key-breaks-set' }),
      extra: async () => [await one('EdDSA by the set’s Ed25519 key', { valid: true, difference: 'eddsa' }, await mint({ alg: 'EdDSA', key: ed.privateKey, kid: 'ed1' }, good))],
    },
    {
      name: 'CUBEJS_JWK_URL with alg, use, key_ops, duplicate kids and a private key', settings: { CUBEJS_JWK_URL: servers.metadata.url, ...claimsRules }, profile: jwksProfile, mutations: [],
      extra: async () => [
        await one('RS256 by the key declaring alg RS256', { valid: true }, await mint({ alg: 'RS256', key: jRsa.privateKey, kid: 'ra' }, good)),
        await one('PS256 by the key declaring alg RS256', { valid: false, difference: 'jwks-key-checks' }, await mint({ alg: 'PS256', key: jRsa.privateKey, kid: 'ra' }, good)),
        await one('the key declaring use enc', { valid: false, difference: 'jwks-key-checks' }, await mint({ alg: 'RS256', key: rsa.privateKey, kid: 'enc' }, good)),
        await one('the key whose key_ops lack verify', { valid: false, difference: 'jwks-key-checks' }, await mint({ alg: 'ES256', key: ec.privateKey, kid: 'ops' }, good)),
        await one('the last of two keys with one kid', { valid: false, difference: 'jwks-key-checks' }, await mint({ alg: 'RS256', key: jOther.privateKey, kid: 'dup' }, good)),
        await one('the first of two keys with one kid', { valid: false }, await mint({ alg: 'RS256', key: rsaOther.privateKey, kid: 'dup' }, good)),
        await one('a 1024-bit RSA key', { valid: false, difference: 'rsa-key-size' }, await mint({ alg: 'RS256', key: small.privateKey, kid: 'small' }, good)),
        await one('a key published with its private part', { valid: false, difference: 'jwks-key-checks' }, await mint({ alg: 'RS256', key: jOther.privateKey, kid: 'private' }, good)),
      ],
    },
    { name: 'CUBEJS_JWT_KEY as PEM RSA of 1024 bits', settings: { CUBEJS_JWT_KEY: smallPem }, profile: { signers: [{ alg: 'RS256', key: small.privateKey }], foreign: rsaSigners(rsaOther) }, mutations: ['valid', 'expired'], declare: always({ difference: 'rsa-key-size' }) },
    {
      name: 'CUBEJS_JWK_URL with an RSA key of exponent 1', settings: { CUBEJS_JWK_URL: servers.weakRsa.url, ...claimsRules }, profile: jwksProfile, mutations: [],
      extra: async () => [
        await one('a signature forged from the digest alone', { valid: false, difference: 'rsa-exponent' }, weak.token),
        await one('a token of the good key beside it', { valid: true }, await r1(good)),
      ],
    },
    {
      name: 'CUBEJS_JWT_ALGS and CUBEJS_JWT_ISSUER lists with spaces', settings: { CUBEJS_JWT_KEY: rsa.pem, CUBEJS_JWT_ALGS: 'RS256, PS256', CUBEJS_JWT_ISSUER: ISSUERS.join(', ') }, profile: { signers: [], foreign: [] }, mutations: [],
      extra: async () => [
        await one('RS256 from the first issuer', { valid: true }, await mint({ alg: 'RS256', key: rsa.privateKey }, { iss: ISSUERS[0] })),
        await one('PS256, the second algorithm', { valid: true, difference: 'trimmed-lists' }, await mint({ alg: 'PS256', key: rsa.privateKey }, { iss: ISSUERS[0] })),
        await one('the second issuer', { valid: true, difference: 'trimmed-lists' }, await mint({ alg: 'RS256', key: rsa.privateKey }, { iss: ISSUERS[1] })),
      ],
    },
    { name: 'CUBEJS_JWT_ALGS allowing none of the key’s algorithms', settings: { CUBEJS_JWT_KEY: rsa.pem, CUBEJS_JWT_ALGS: 'HS256' }, profile: { signers: rsaSigners(rsa), foreign: rsaSigners(rsaOther) }, mutations: ['valid', 'expired'], declare: always({ difference: 'algs-config-error' }) },
    { name: 'CUBEJS_JWT_ALGS naming none', settings: { CUBEJS_API_SECRET: a, CUBEJS_JWT_ALGS: 'HS256,none' }, profile: { signers: hsSigners(a).slice(0, 1), foreign: hsSigners(b) }, mutations: ['valid', 'algNone'], declare: always({ difference: 'algs-config-error' }) },
    {
      name: 'PEM public key in CUBEJS_API_SECRET', settings: { CUBEJS_API_SECRET: rsa.pem }, profile: { signers: rsaSigners(rsa), foreign: rsaSigners(rsaOther) }, mutations: ['valid', 'expired'], declare: always({ difference: 'public-key-as-secret' }),
      extra: async () => [await one('HS256 keyed with the PEM text', { valid: false, difference: 'public-key-as-secret' }, await mint(keyedWith(rsa.pem), { sub: 'x' }))],
    },
    { name: 'JWK JSON in CUBEJS_API_SECRET', settings: { CUBEJS_API_SECRET: ecJwkText }, profile: { signers: hsSigners(ecJwkText), foreign: hsSigners(b) }, mutations: ['valid', 'expired'], declare: always({ difference: 'public-key-as-secret' }) },
    { name: 'base64 SPKI in CUBEJS_API_SECRET', settings: { CUBEJS_API_SECRET: spki }, profile: { signers: hsSigners(spki), foreign: hsSigners(b) }, mutations: ['valid', 'expired'], declare: always({ difference: 'public-key-as-secret' }) },
    { name: 'OpenSSH public key in CUBEJS_JWT_KEY', settings: { CUBEJS_JWT_KEY: ssh }, profile: { signers: hsSigners(ssh), foreign: hsSigners(b) }, mutations: ['valid', 'expired'], declare: always({ difference: 'public-key-as-secret' }) },
    { name: 'a 6-byte CUBEJS_API_SECRET', settings: { CUBEJS_API_SECRET: 'secret' }, profile: { signers: hsSigners('secret'), foreign: hsSigners(b) }, mutations: ['valid', 'expired'], declare: always({ difference: 'weak-hmac-key' }) },
    { name: 'a 6-byte CUBEJS_API_SECRET with AUTHORIZER_ALLOW_WEAK_HMAC_KEY', settings: { CUBEJS_API_SECRET: 'secret', AUTHORIZER_ALLOW_WEAK_HMAC_KEY: 'true' }, profile: { signers: hsSigners('secret'), foreign: hsSigners(b) }, mutations: ['valid', 'expired'] },
    {
      name: 'CUBEJS_DEV_MODE (Cube without enforceSecurityChecks)', settings: { CUBEJS_API_SECRET: a, CUBEJS_DEV_MODE: 'true' }, enforce: false, profile: { signers: hsSigners(a), foreign: hsSigners(b) },
      mutations: CORE, declare: (mutation, made) => (made.valid || mutation === 'missingToken' ? {} : { difference: 'dev-mode' }),
    },
    {
      name: 'precedence: CUBEJS_JWK_URL over CUBEJS_JWT_KEY over CUBEJS_API_SECRET', settings: { CUBEJS_JWK_URL: servers.main.url, CUBEJS_JWT_KEY: rsa.pem, CUBEJS_API_SECRET: a, ...claimsRules }, profile: jwksProfile, mutations: ['valid'],
      extra: async () => [
        await one('signed with CUBEJS_JWT_KEY', { valid: false }, await mint({ alg: 'RS256', key: rsa.privateKey, kid: 'r1' }, good)),
        await one('signed with CUBEJS_API_SECRET', { valid: false }, await mint(keyedWith(a), good)),
      ],
    },
    {
      name: 'precedence: CUBEJS_JWT_KEY over CUBEJS_API_SECRETS', settings: { CUBEJS_JWT_KEY: rsa.pem, CUBEJS_API_SECRETS: a }, profile: { signers: rsaSigners(rsa), foreign: rsaSigners(rsaOther) }, mutations: ['valid'],
      extra: async () => [await one('signed with CUBEJS_API_SECRETS', { valid: false }, await mint(keyedWith(a), { sub: 'x' }))],
    },
  ]
}
