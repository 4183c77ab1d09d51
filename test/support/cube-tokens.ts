// Seeded token mutations for the Cube differential test: each names whether a correct verifier accepts it and, when
// Cube and we answer differently on purpose, the README difference id that says so.
import { createSecretKey, type KeyObject } from 'node:crypto'
import { CompactSign } from 'jose'
import type { DifferenceId } from './cube-differences.js'
import { asymmetric, forge, hmac, type Random } from './security-tokens.js'

export interface Signer {
  readonly alg: string
  readonly key: KeyObject
  readonly kid?: string
}

/** What a configuration accepts: its keys, the keys it must refuse, and the claims it checks. */
export interface Profile {
  readonly signers: readonly Signer[]
  readonly foreign: readonly Signer[]
  readonly audience?: string
  readonly issuers?: readonly string[]
  readonly subject?: string
  readonly namespace?: string
  /** Remote JWKS: Cube looks keys up by kid, so a kid in the header is meaningful. */
  readonly jwks?: boolean
}

export interface Declaration {
  /** The README id that explains why Cube and we answer this case differently; unset, the answers must agree. */
  readonly difference?: DifferenceId
}

export interface Case extends Declaration {
  readonly label: string
  readonly headers: Readonly<Record<string, string>>
  /** Whether a verifier following the settings (and neither implementation's quirks) accepts it. */
  readonly valid: boolean
  /** Its claims sit at a time boundary: only a clock fixed at NOW can judge it (not a bundle run later). */
  readonly timeEdge?: true
}

export interface Context {
  readonly rng: Random
  readonly now: number
  readonly profile: Profile
}

const encode = (text: string) => new TextEncoder().encode(text)

/** A compact JWS minted with jose (any header, any payload text); the signer's kid goes in the header. */
export function mint(signer: Signer, payload: object | string, header: Record<string, unknown> = {}): Promise<string> {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
  const kid = signer.kid === undefined ? {} : { kid: signer.kid }
  // jose will not sign with an RSA key under 2048 bits: such tokens exist only to show who still verifies them.
  if ((signer.key.asymmetricKeyDetails?.modulusLength ?? 2048) < 2048) return Promise.resolve(forge({ alg: signer.alg, ...kid, ...header }, text, signerOf(signer)))
  return new CompactSign(encode(text)).setProtectedHeader({ alg: signer.alg, ...kid, ...header }).sign(signer.key)
}

/** HS256 keyed with text (a public key's PEM or JSON): the classic algorithm-confusion token. */
export const keyedWith = (text: string): Signer => ({ alg: 'HS256', key: createSecretKey(Buffer.from(text, 'utf8')) })

/** Claims a correct verifier of `profile` accepts, plus a random tenant claim. */
export function goodClaims({ rng, now, profile }: Context): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: profile.subject ?? `user-${rng.int(1000)}`, iat: now - rng.int(600), exp: now + 600 + rng.int(3600), tenant: rng.pick(['acme', 'globex', 'initech']) }
  if (profile.audience !== undefined) claims.aud = rng.chance(0.5) ? profile.audience : ['other-api', profile.audience]
  if (profile.issuers !== undefined) claims.iss = rng.pick(profile.issuers)
  if (rng.chance(0.3)) claims.roles = rng.chance(0.5) ? ['analyst'] : { admin: rng.chance(0.5) }
  return claims
}

type Made = Omit<Case, 'label'>
type Mutation = (ctx: Context, signer: Signer) => Promise<Made | undefined>

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
const accepted = (token: string, extra: Declaration = {}): Made => ({ headers: bearer(token), valid: true, ...extra })
const refused = (token: string, extra: Partial<Made> = {}): Made => ({ headers: bearer(token), valid: false, ...extra })
const withClaims = (ctx: Context, changes: Record<string, unknown>) => ({ ...goodClaims(ctx), ...changes })
const without = (ctx: Context, claim: string) => Object.fromEntries(Object.entries(goodClaims(ctx)).filter(([name]) => name !== claim))
/** A difference in the whole-payload security context: with a claims namespace both read only that claim. */
const bare = (ctx: Context, difference: DifferenceId): Declaration => (ctx.profile.namespace === undefined ? { difference } : {})
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`

/** Every mutation, by name; `undefined` when it means nothing under this profile. */
export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  valid: async (ctx, s) => accepted(await mint(s, goodClaims(ctx))),
  expired: async (ctx, s) => refused(await mint(s, withClaims(ctx, { exp: ctx.now - 1 - ctx.rng.int(3600) }))),
  expiresNow: async (ctx, s) => ({ ...refused(await mint(s, withClaims(ctx, { exp: ctx.now }))), timeEdge: true }),
  expiresNextSecond: async (ctx, s) => ({ ...accepted(await mint(s, withClaims(ctx, { exp: ctx.now + 1 }))), timeEdge: true }),
  withoutExp: async (ctx, s) => accepted(await mint(s, without(ctx, 'exp'))),
  notYetValid: async (ctx, s) => ({ ...refused(await mint(s, withClaims(ctx, { nbf: ctx.now + 1 + ctx.rng.int(600) }))), timeEdge: true }),
  validFromNow: async (ctx, s) => ({ ...accepted(await mint(s, withClaims(ctx, { nbf: ctx.now }))), timeEdge: true }),
  wrongAudience: async (ctx, s) => (ctx.profile.audience === undefined ? undefined : refused(await mint(s, withClaims(ctx, { aud: `${ctx.profile.audience}/other` })))),
  missingAudience: async (ctx, s) => (ctx.profile.audience === undefined ? undefined : refused(await mint(s, without(ctx, 'aud')))),
  wrongIssuer: async (ctx, s) => (ctx.profile.issuers === undefined ? undefined : refused(await mint(s, withClaims(ctx, { iss: 'https://evil.example.com/' })))),
  missingIssuer: async (ctx, s) => (ctx.profile.issuers === undefined ? undefined : refused(await mint(s, without(ctx, 'iss')))),
  wrongSubject: async (ctx, s) => (ctx.profile.subject === undefined ? undefined : refused(await mint(s, withClaims(ctx, { sub: 'someone-else' })))),
  missingSubject: async (ctx, s) => (ctx.profile.subject === undefined ? undefined : refused(await mint(s, without(ctx, 'sub')))),
  wrongKey: async (ctx, s) => {
    const other = ctx.profile.foreign.find((f) => f.alg === s.alg) ?? ctx.rng.pick(ctx.profile.foreign)
    return refused(await mint({ ...other, ...(s.kid === undefined ? {} : { kid: s.kid }) }, goodClaims(ctx)))
  },
  badSignature: async (ctx, s) => {
    const [header, payload] = (await mint(s, goodClaims(ctx))).split('.')
    const [, , signature] = (await mint(s, goodClaims(ctx))).split('.')
    return refused(`${header}.${payload}.${signature}`)
  },
  algNone: async (ctx, s) => refused(forge({ alg: 'none', ...(s.kid === undefined ? {} : { kid: s.kid }) }, goodClaims(ctx))),
  lowercaseScheme: async (ctx, s) => ({ headers: { Authorization: `bearer ${await mint(s, goodClaims(ctx))}` }, valid: true }),
  bareToken: async (ctx, s) => ({ headers: { Authorization: await mint(s, goodClaims(ctx)) }, valid: true }),
  trailingSpace: async (ctx, s) => ({ headers: { Authorization: `Bearer ${await mint(s, goodClaims(ctx))} ` }, valid: true }),
  xCubeAuthorization: async (ctx, s) => ({ headers: { 'X-Cube-Authorization': await mint(s, goodClaims(ctx)) }, valid: true }),
  bothHeadersSame: async (ctx, s) => {
    const token = await mint(s, goodClaims(ctx))
    return { headers: { 'X-Cube-Authorization': `Bearer ${token}`, Authorization: `Bearer ${token}` }, valid: true }
  },
  bothHeadersDifferent: async (ctx, s) => ({
    headers: { 'X-Cube-Authorization': await mint(s, goodClaims(ctx)), Authorization: ctx.rng.pick(['Bearer undefined', 'Basic dXNlcjpwYXNz', `Bearer ${await mint(s, goodClaims(ctx))}`]) },
    valid: true, difference: 'credentials-ambiguous',
  }),
  missingToken: async () => ({ headers: {}, valid: false }),
  bearerTab: async (ctx, s) => ({ headers: { Authorization: `Bearer\t${await mint(s, goodClaims(ctx))}` }, valid: true, difference: 'bearer-whitespace' }),
  bearerSpaces: async (ctx, s) => ({ headers: { Authorization: `Bearer${' '.repeat(2 + ctx.rng.int(3))}${await mint(s, goodClaims(ctx))}` }, valid: true, difference: 'bearer-whitespace' }),
  leadingSpace: async (ctx, s) => ({ headers: { Authorization: ` Bearer ${await mint(s, goodClaims(ctx))}` }, valid: true, difference: 'bearer-whitespace' }),
  otherScheme: async (ctx, s) => ({ headers: { Authorization: `${ctx.rng.pick(['Basic', 'Token', 'JWT', 'Digest'])} ${await mint(s, goodClaims(ctx))}` }, valid: false, difference: 'authorization-scheme' }),
  extraWord: async (ctx, s) => ({ headers: { Authorization: `Bearer ${await mint(s, goodClaims(ctx))} ${ctx.rng.pick(['junk', 'x', 'Bearer'])}` }, valid: false, difference: 'authorization-scheme' }),
  blankXCube: async (ctx, s) => ({ headers: { 'X-Cube-Authorization': ' ', Authorization: `Bearer ${await mint(s, goodClaims(ctx))}` }, valid: true, difference: 'blank-x-cube-authorization' }),
  legacyU: async (ctx, s) => accepted(await mint(s, withClaims(ctx, { u: { tenant: 'from-u', region: ctx.rng.pick(['eu', 'us']) } }))),
  legacyUFalsy: async (ctx, s) => accepted(await mint(s, withClaims(ctx, { u: ctx.rng.pick([0, '', false, null]) }))),
  legacyUNotObject: async (ctx, s) => accepted(await mint(s, withClaims(ctx, { u: ctx.rng.pick(['abc', 42, true, ['x', 'y']]) })), bare(ctx, 'legacy-u-not-object')),
  legacyUInnerU: async (ctx, s) => accepted(await mint(s, withClaims(ctx, { u: { u: 'inner', tenant: 'from-u' } })), bare(ctx, 'legacy-u-inner-u')),
  namespaced: async (ctx, s) => accepted(await mint(s, withClaims(ctx, { [ctx.profile.namespace ?? 'https://other.example.com/']: { tenant: 'ns-tenant', level: ctx.rng.int(5) } }))),
  namespaceMissing: async (ctx, s) => (ctx.profile.namespace === undefined ? undefined : accepted(await mint(s, goodClaims(ctx)))),
  namespaceJsonText: async (ctx, s) => (ctx.profile.namespace === undefined ? undefined : accepted(await mint(s, withClaims(ctx, { [ctx.profile.namespace]: JSON.stringify({ tenant: 'text' }) })), { difference: 'namespace-json-text' })),
  namespaceNotObject: async (ctx, s) => (ctx.profile.namespace === undefined ? undefined : accepted(await mint(s, withClaims(ctx, { [ctx.profile.namespace]: ctx.rng.pick(['plain', 7, null, ['a'], true]) })), { difference: 'namespace-not-object' })),
  prototypeKey: async (ctx, s) => {
    const claims = JSON.stringify(goodClaims(ctx))
    const forbidden = ctx.rng.pick(['"__proto__":{"admin":true}', '"constructor":"x"', '"prototype":[1]', '"team":{"__proto__":{"admin":true}}', '"groups":[{"constructor":{"a":1}}]'])
    return accepted(await mint(s, `{${forbidden},${claims.slice(1)}`), bare(ctx, 'prototype-keys'))
  },
  iatNotNumber: async (ctx, s) => accepted(await mint(s, withClaims(ctx, { iat: ctx.rng.pick(['yesterday', String(ctx.now)]) })), { difference: 'numeric-dates' }),
  infiniteDate: async (ctx, s) => {
    // JSON's largest numbers parse to ±Infinity; the claim appears once (JSON.parse keeps the last duplicate).
    const [name, text] = ctx.rng.pick([['iat', '1e309'], ['nbf', '-1e309'], ['exp', '1e309']] as const)
    return accepted(await mint(s, `{"${name}":${text},${JSON.stringify(without(ctx, name)).slice(1)}`), { difference: 'numeric-dates' })
  },
  notBeforeInfinity: async (ctx, s) => refused(await mint(s, `{"nbf":1e309,${JSON.stringify(goodClaims(ctx)).slice(1)}`)),
  critHeader: async (ctx, s) => accepted(forged(s, { crit: ['b64'], b64: true }, goodClaims(ctx)), { difference: 'strict-token-format' }),
  zipHeader: async (ctx, s) => accepted(forged(s, { zip: 'DEF' }, goodClaims(ctx)), { difference: 'strict-token-format' }),
  numericKid: async (ctx, s) => (ctx.profile.jwks ? undefined : accepted(forged(s, { kid: 7 }, goodClaims(ctx)), { difference: 'strict-token-format' })),
  byteOrderMark: async (ctx, s) => refused(forge(`\ufeff${JSON.stringify(header(s))}`, JSON.stringify(goodClaims(ctx)), signerOf(s))),
  longKid: async (ctx, s) => (ctx.profile.jwks ? undefined : accepted(forged(s, { kid: 'k'.repeat(1025) }, goodClaims(ctx)), { difference: 'strict-token-format' })),
  encHeader: async (ctx, s) => accepted(forged(s, { enc: 'A256GCM' }, goodClaims(ctx)), { difference: 'strict-token-format' }),
  hugeToken: async (ctx, s) => accepted(await mint(s, withClaims(ctx, { padding: 'p'.repeat(12_500) })), { difference: 'strict-token-format' }),
  payloadNotObject: async (ctx, s) => {
    // jsonwebtoken checks claims only on an object payload: with no claim rule configured, Cube takes any JSON.
    const { audience, issuers, subject } = ctx.profile
    const unchecked = audience === undefined && issuers === undefined && subject === undefined
    return refused(await mint(s, ctx.rng.pick(['[1,2]', '"text"', '123', 'null', 'true'])), unchecked ? { difference: 'payload-not-object' } : {})
  },
  dateNotNumber: async (ctx, s) => refused(await mint(s, withClaims(ctx, ctx.rng.chance(0.5) ? { exp: String(ctx.now + 600) } : { nbf: String(ctx.now - 600) }))),
  nonCanonicalSignature: async (ctx, s) => {
    const token = await mint(s, goodClaims(ctx))
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    // The last character's lowest bit lies beyond the signature's bytes: a lenient decoder reads the same signature.
    const twin = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(token.at(-1) ?? 'A') ^ 1]}`
    // Cube compares an HMAC as text, so only other signatures can pass there.
    return refused(twin, s.key.type === 'secret' ? {} : { difference: 'strict-token-format' })
  },
  deepClaims: async (ctx, s) => {
    const claims = JSON.stringify(goodClaims(ctx))
    // The depth limit applies to what becomes the security context: under a namespace, other claims may nest deeper.
    return accepted(await mint(s, `{"deep":${nested(65)},${claims.slice(1)}`), bare(ctx, 'strict-token-format'))
  },
  hugeClaim: async (ctx, s) => accepted(await mint(s, withClaims(ctx, { big: 'b'.repeat(9000) })), bare(ctx, 'context-size')),
}

const signerOf = (s: Signer) => (s.key.type === 'secret' ? hmac(s.alg, s.key.export()) : asymmetric(s.alg, s.key))
const header = (s: Signer, extra: Record<string, unknown> = {}) => ({ alg: s.alg, ...(s.kid === undefined ? {} : { kid: s.kid }), ...extra })

/** Hand-forged with node:crypto: jose refuses to sign headers such as an unknown crit. */
const forged = (s: Signer, extra: Record<string, unknown>, claims: object) => forge(header(s, extra), claims, signerOf(s))

export const NEEDS_HMAC: ReadonlySet<string> = new Set(['critHeader'])
