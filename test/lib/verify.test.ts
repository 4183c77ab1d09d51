// Mirrors lib/verify.ts: end-to-end token verification with static keys, and a differential test against jose's jwtVerify.
import { KidRule } from '../../lib/select-key.js'
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { CompactSign, exportSPKI, generateKeyPair, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyOptions } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { codeOf, ErrorCode } from '../../lib/errors.js'
import { parseKeySetting, secretKey, type VerifyKey } from '../../lib/keys.js'
import { verifyToken, verifyTokenWithJson, type VerifyOptions, type VerifyProgress } from '../../lib/verify.js'

const NOW = 1_700_000_000
const SECRET = 'correct horse battery staple-0123456789abcdef0123456789abcdef012'
const encode = (text: string) => new TextEncoder().encode(text)
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const noSkips = () => undefined

function options(keys: readonly VerifyKey[], algorithms: readonly string[], overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return { algorithms, kidRule: KidRule.IGNORE, keysFor: () => keys, audience: undefined, issuers: undefined, subject: undefined, clockToleranceSeconds: 0, requireExp: false, ...overrides }
}

/** The error code verifyToken rejects with, or 'accepted'; a crash shows up as internal_error. */
async function outcome(token: string, opts: VerifyOptions, now: number = NOW): Promise<string> {
  try {
    await verifyToken(token, opts, now)
    return 'accepted'
  } catch (error) {
    return codeOf(error)
  }
}

const hs = (payload: JWTPayload, alg = 'HS256', secret = SECRET, header: Record<string, unknown> = {}) =>
  new SignJWT(payload).setProtectedHeader({ ...header, alg }).sign(encode(secret))

/** A token whose signature is HMAC-SHA256 under `secret`, with whatever header we like. */
function forgeHs256(header: Record<string, unknown>, payload: unknown, secret: string): string {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

describe('verifyToken with static keys', () => {
  const secretKeys = [secretKey(SECRET, 'CUBEJS_API_SECRET')]
  let rsaPem = ''
  let rsaKeys: VerifyKey[] = []
  beforeAll(async () => {
    rsaPem = await exportSPKI((await generateKeyPair('RS256', { extractable: true })).publicKey)
    rsaKeys = parseKeySetting(rsaPem, 'CUBEJS_JWT_KEY', noSkips)
  })

  it('accepts a valid token and returns its payload, alg and kid', async () => {
    const progress: VerifyProgress = {}
    const token = await hs({ sub: 'u1', exp: NOW + 60, tenant: 't' }, 'HS384', SECRET, { kid: 'k' })
    const result = await verifyToken(token, options(secretKeys, ['HS256', 'HS384']), NOW, progress)
    expect(result).toEqual({ alg: 'HS384', kid: 'k', payload: { sub: 'u1', exp: NOW + 60, tenant: 't' } })
    expect(progress).toEqual({ alg: 'HS384', kid: 'k' })
  })

  it('rejects an alg outside the allow-list before touching any key', async () => {
    let looked = 0
    const opts = { ...options(secretKeys, ['HS256']), keysFor: () => (looked++, secretKeys) }
    expect(await outcome(await hs({}, 'HS512'), opts)).toBe(ErrorCode.ALG_NOT_ALLOWED)
    expect(looked).toBe(0)
  })

  it('rejects an unsigned alg none token as not allowed, and as keyless even if the allow-list named none', async () => {
    const token = `${b64({ alg: 'none' })}.${b64({ sub: 'admin' })}.`
    expect(await outcome(token, options(secretKeys, ['HS256']))).toBe(ErrorCode.ALG_NOT_ALLOWED)
    expect(await outcome(token, options(secretKeys, ['none', 'HS256']))).toBe(ErrorCode.KEY_NOT_FOUND)
  })

  it('rejects an HS256 token signed with the RSA public key text (algorithm confusion)', async () => {
    const forged = forgeHs256({ alg: 'HS256' }, { sub: 'admin' }, rsaPem)
    // The forgery is real: an HMAC verifier keyed with the PEM text would accept it.
    await expect(jwtVerify(forged, encode(rsaPem))).resolves.toBeDefined()
    expect(await outcome(forged, options(rsaKeys, ['RS256']))).toBe(ErrorCode.ALG_NOT_ALLOWED)
    expect(await outcome(forged, options(rsaKeys, ['RS256', 'HS256']))).toBe(ErrorCode.KEY_NOT_FOUND)
  })

  it.each([
    ['a JSON array', '[{"sub":"u"}]'],
    ['a JSON string', '"sub"'],
    ['not JSON', 'sub=u'],
  ])('rejects a validly signed payload that is %s', async (_what, payload) => {
    const token = await new CompactSign(encode(payload)).setProtectedHeader({ alg: 'HS256' }).sign(encode(SECRET))
    expect(await outcome(token, options(secretKeys, ['HS256']))).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('checks the signature before it parses the payload', async () => {
    const token = await new CompactSign(encode('[1]')).setProtectedHeader({ alg: 'HS256' }).sign(encode('another secret'))
    expect(await outcome(token, options(secretKeys, ['HS256']))).toBe(ErrorCode.SIGNATURE_INVALID)
  })

  it('rejects a kid that matches no key and asks the key source for that kid', async () => {
    const asked: Array<string | undefined> = []
    const keys = [{ ...secretKeys[0], kid: 'known' } as VerifyKey]
    const opts = { ...options(keys, ['HS256']), kidRule: KidRule.EXACT, keysFor: (kid: string | undefined) => (asked.push(kid), keys) }
    expect(await outcome(await hs({}, 'HS256', SECRET, { kid: 'unknown' }), opts)).toBe(ErrorCode.KEY_NOT_FOUND)
    expect(asked).toEqual(['unknown'])
    expect(await outcome(await hs({}, 'HS256', SECRET, { kid: 'known' }), opts)).toBe('accepted')
  })

  it('accepts a token signed with any of the rotated secrets and no other', async () => {
    const rotated = ['old-secret-0123456789abcdef0123456789abcdef0123456789abcdef01234', 'new-secret-0123456789abcdef0123456789abcdef0123456789abcdef01234'].map((s) => secretKey(s, 'CUBEJS_API_SECRETS'))
    const opts = options(rotated, ['HS256'])
    expect(await outcome(await hs({ sub: 'a' }, 'HS256', 'old-secret-0123456789abcdef0123456789abcdef0123456789abcdef01234'), opts)).toBe('accepted')
    expect(await outcome(await hs({ sub: 'b' }, 'HS256', 'new-secret-0123456789abcdef0123456789abcdef0123456789abcdef01234'), opts)).toBe('accepted')
    expect(await outcome(await hs({ sub: 'c' }, 'HS256', 'retired-secret-0123456789abcdef0123456789abcdef0123456789abcdef0'), opts)).toBe(ErrorCode.SIGNATURE_INVALID)
  })

  it('hands over the exact JSON text the payload was parsed from, a genuine U+FFFD included', async () => {
    const json = '{"sub":"u1" , "name":"\uFFFD","exp":1700000060}'
    const token = await new CompactSign(encode(json)).setProtectedHeader({ alg: 'HS256' }).sign(encode(SECRET))
    const result = await verifyTokenWithJson(token, options(secretKeys, ['HS256']), NOW)
    expect(result.payloadJson).toBe(json)
    expect(result.payload).toEqual({ sub: 'u1', name: '\uFFFD', exp: NOW + 60 })
  })

  it('notes in progress where the keys came from, as reported by the key source', async () => {
    const progress: VerifyProgress = {}
    const opts = options(secretKeys, ['HS256'], { keysFor: (_kid, _issuer, p) => ((p.keys = 'static'), secretKeys) })
    await verifyToken(await hs({ sub: 'u1' }), opts, NOW, progress)
    expect(progress).toEqual({ alg: 'HS256', kid: undefined, keys: 'static' })
  })

  it('logs an alg outside the allow-list only when it looks like an algorithm name', async () => {
    const progress: VerifyProgress = {}
    expect(await outcome(forgeHs256({ alg: 'HS256\n{"x":1}' }, {}, SECRET), options(secretKeys, ['HS256']))).toBe(ErrorCode.ALG_NOT_ALLOWED)
    await verifyToken(forgeHs256({ alg: 'HS256\n{"x":1}' }, {}, SECRET), options(secretKeys, ['HS256']), NOW, progress).catch(() => undefined)
    expect(progress.alg).toBe('[unprintable]')
  })

  it('applies the claim rules after a valid signature', async () => {
    const opts = options(secretKeys, ['HS256'], { audience: 'cube' })
    expect(await outcome(await hs({ aud: 'cube', exp: NOW }), opts)).toBe(ErrorCode.TOKEN_EXPIRED)
    expect(await outcome(await hs({ aud: 'other', exp: NOW + 1 }), opts)).toBe(ErrorCode.AUDIENCE_MISMATCH)
    expect(await outcome(await hs({ aud: 'cube', exp: NOW + 1 }), opts)).toBe('accepted')
  })
})

// ---- Differential test: verifyToken must accept exactly the tokens jose's jwtVerify accepts, on the same clock. ----

interface Family {
  readonly name: string
  readonly algs: readonly string[]
  /** Signs any JSON payload (objects and, for the negative cases, arrays) with the family's key or a stranger's. */
  readonly sign: (header: Record<string, unknown>, payload: unknown, wrongKey: boolean) => Promise<string>
  readonly ours: readonly VerifyKey[]
  readonly jose: KeyObject | Uint8Array
  /** What an attacker would use as an HMAC secret: the public key text, or for HMAC families the secret itself. */
  readonly hmacText: string
}

const generate = generateKeyPairSync as unknown as (type: string, options: object) => { publicKey: KeyObject; privateKey: KeyObject }
const KEY_TYPES: Readonly<Record<string, readonly [string, object]>> = {
  RS256: ['rsa', { modulusLength: 2048 }],
  ES256: ['ec', { namedCurve: 'P-256' }],
  EdDSA: ['ed25519', {}],
}

async function family(name: string, algs: readonly string[]): Promise<Family> {
  const signer = (key: KeyObject | Uint8Array) => (header: Record<string, unknown>, payload: unknown) =>
    new CompactSign(encode(JSON.stringify(payload))).setProtectedHeader(header as { alg: string }).sign(key)
  const type = KEY_TYPES[name]
  if (type === undefined) {
    const [right, wrong] = [signer(encode(SECRET)), signer(encode(`${SECRET}!`))]
    const ours = [secretKey(SECRET, 'CUBEJS_API_SECRET')]
    return { name, algs, sign: (h, p, w) => (w ? wrong : right)(h, p), ours, jose: encode(SECRET), hmacText: SECRET }
  }
  const [pair, stranger] = [generate(...type), generate(...type)]
  const pem = await exportSPKI(pair.publicKey)
  const [right, wrong] = [signer(pair.privateKey), signer(stranger.privateKey)]
  const ours = parseKeySetting(pem, 'CUBEJS_JWT_KEY', noSkips)
  return { name, algs, sign: (h, p, w) => (w ? wrong : right)(h, p), ours, jose: pair.publicKey, hmacText: pem }
}

/** mulberry32: a seeded generator, so every run checks the same tokens and a failure can be replayed. */
function random(seed: number) {
  let state = seed
  const next = () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  return { next, pick }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const HEADER_ALGS = ['none', 'HS256', 'HS384', 'RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'Ed25519', '', 'hs256', 'RS256 ']
const AUDIENCE = 'https://cube.example.com'
const ISSUER = 'https://issuer.example.com'

type Case = { label: string; token: string; allowed: string[]; tolerance: number; audience?: string; issuer?: string; requireExp: boolean }

/**
 * One random token and verifier setup. Documented differences from jose are left out of the generator: we refuse
 * crit/b64/zip/enc headers and non-string kids, which jose ignores when no extension is requested.
 */
async function makeCase(f: Family, rng: ReturnType<typeof random>, index: number): Promise<Case> {
  const alg = rng.pick(f.algs)
  const payload: JWTPayload = { sub: 'user-1' }
  // Edge values on purpose (exp = now, nbf = now + 1, within and beyond a 30 s tolerance); valid ones are more likely.
  const exp = rng.pick([undefined, NOW + 3600, NOW + 3600, NOW + 3600, NOW + 1, NOW, NOW - 20, NOW - 100])
  const nbf = rng.pick([undefined, undefined, undefined, NOW - 60, NOW, NOW + 1, NOW + 20])
  const iat = rng.pick([undefined, NOW - 10, NOW + 500])
  if (exp !== undefined) payload.exp = exp
  if (nbf !== undefined) payload.nbf = nbf
  if (iat !== undefined) payload.iat = iat
  const aud = rng.pick([AUDIENCE, AUDIENCE, ['other', AUDIENCE], undefined, `${AUDIENCE}/`])
  if (aud !== undefined) payload.aud = aud
  const iss = rng.pick([ISSUER, ISSUER, undefined, `${ISSUER}/`])
  if (iss !== undefined) payload.iss = iss
  const header: Record<string, unknown> = rng.next() < 0.3 ? { alg, kid: 'k1' } : { alg }
  const variant = rng.pick(['valid', 'valid', 'valid', 'valid', 'valid', 'wrong key', 'mutated', 'mutated', 'header alg', 'array payload'])
  let token = await f.sign(header, payload, variant === 'wrong key')
  if (variant === 'mutated') {
    const at = Math.floor(rng.next() * token.length)
    // A replacement that only changes the unused low bits of a segment's last character spells the same bytes
    // differently: jose accepts such a twin, lib/jws.ts refuses it on purpose (see test/security/differential.test.ts).
    const original = token
    const spellsSameBytes = (candidate: string) => candidate.split('.').some((s, i) => s !== original.split('.')[i] && Buffer.from(s, 'base64url').equals(Buffer.from(original.split('.')[i] ?? '', 'base64url')))
    const replacements = [...ALPHABET].filter((c) => c !== token[at] && !spellsSameBytes(token.slice(0, at) + c + token.slice(at + 1)))
    const replacement = rng.pick(replacements)
    token = token[at] === '.' ? token.slice(0, at) + token.slice(at + 1) : token.slice(0, at) + replacement + token.slice(at + 1)
  } else if (variant === 'header alg') {
    const forgedAlg = rng.pick(HEADER_ALGS)
    const forged = forgeHs256({ alg: forgedAlg }, payload, f.hmacText)
    token = forgedAlg === 'none' ? forged.slice(0, forged.lastIndexOf('.') + 1) : forged
  } else if (variant === 'array payload') {
    token = await f.sign(header, [payload], false)
  }
  const allowed = f.algs.filter((a) => a === alg || rng.next() < 0.5)
  if (rng.next() < 0.15) allowed.splice(0, allowed.length, ...f.algs.filter((a) => a !== alg))
  if (rng.next() < 0.3) allowed.push(f.name === 'HS256' ? 'RS256' : 'HS256')
  if (allowed.length === 0) allowed.push(alg)
  const c: Case = { label: `${f.name}#${index} ${variant} alg=${alg}`, token, allowed, tolerance: rng.pick([0, 0, 30]), requireExp: rng.next() < 0.15 }
  if (rng.next() < 0.4) c.audience = AUDIENCE
  if (rng.next() < 0.3) c.issuer = ISSUER
  return c
}

async function joseAccepts(f: Family, c: Case): Promise<JWTPayload | undefined> {
  const opts: JWTVerifyOptions = { algorithms: c.allowed, currentDate: new Date(NOW * 1000), clockTolerance: c.tolerance }
  if (c.audience !== undefined) opts.audience = c.audience
  if (c.issuer !== undefined) opts.issuer = c.issuer
  if (c.requireExp) opts.requiredClaims = ['exp']
  return jwtVerify(c.token, f.jose, opts).then((r) => r.payload, () => undefined)
}

async function oursAccepts(f: Family, c: Case): Promise<Record<string, unknown> | undefined> {
  const opts = options(f.ours, c.allowed, { clockToleranceSeconds: c.tolerance, requireExp: c.requireExp, audience: c.audience, issuers: c.issuer === undefined ? undefined : [c.issuer] })
  return verifyToken(c.token, opts, NOW).then((r) => r.payload, () => undefined)
}

describe('verifyToken against jose jwtVerify', () => {
  it.each([
    ['HS256', ['HS256', 'HS384', 'HS512']],
    ['RS256', ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']],
    ['ES256', ['ES256']],
    ['EdDSA', ['EdDSA', 'Ed25519']],
  ] as const)('accepts exactly the %s-family tokens jose accepts', async (name, algs) => {
    const f = await family(name, algs)
    const rng = random([...name].reduce((hash, c) => (hash * 31 + c.charCodeAt(0)) | 0, 0x5eed))
    const disagreements: string[] = []
    let accepted = 0
    const total = 160
    for (let i = 0; i < total; i++) {
      const c = await makeCase(f, rng, i)
      const [theirs, ours] = [await joseAccepts(f, c), await oursAccepts(f, c)]
      if ((theirs === undefined) !== (ours === undefined)) disagreements.push(`${c.label}: jose ${theirs ? 'accepts' : 'rejects'}`)
      else if (ours !== undefined) {
        accepted++
        expect(ours).toEqual(theirs)
      }
    }
    expect(disagreements).toEqual([])
    // Both outcomes must be well represented, or agreement would prove little.
    expect(accepted).toBeGreaterThanOrEqual(20)
    expect(total - accepted).toBeGreaterThanOrEqual(20)
  })
})
