// The whole authorizer against jose's jwtVerify: our extra rules as documented differences, then fuzzed headers and claims.
// test/lib/jwt/verify.test.ts already compares verifyToken with jose on valid/expired/wrong-key/mutated tokens; this file
// covers what it leaves out: the rules we add on top of jose, and randomly generated headers and claims end to end.
import { createSecretKey, type KeyObject } from 'node:crypto'
import { jwtVerify, type JWTVerifyOptions } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Settings } from '../../lib/settings/env.js'
import { harness, LogAudit, NOW_MS, NOW_S, OTHER_SECRET, SECRET, summary } from '../support/security-harness.js'
import { asymmetric, forge, hmac, pair, Random, withSignature, type Signer } from '../support/security-tokens.js'
import { restTokenEvent } from '../support/tokens.js'

const audit = new LogAudit()
afterAll(() => audit.expectClean(100))

interface Family {
  readonly name: string
  readonly algs: readonly string[]
  readonly settings: Settings
  readonly jose: KeyObject
  readonly sign: (alg: string) => Signer
  readonly wrong: (alg: string) => Signer
}

const families = new Map<string, Family>()
const familyOf = (name: string): Family => {
  const found = families.get(name)
  if (found === undefined) throw new Error(name)
  return found
}

beforeAll(async () => {
  const [rsa, rsaWrong, ec, ecWrong, ed, edWrong] = await Promise.all([pair('RS256'), pair('RS256'), pair('ES256'), pair('ES256'), pair('Ed25519'), pair('Ed25519')])
  audit.forbid(rsa.pem, ec.pem, ed.pem)
  const hs: Family = { name: 'HS', algs: ['HS256', 'HS384', 'HS512'], settings: { CUBEJS_API_SECRET: SECRET }, jose: createSecretKey(Buffer.from(SECRET)), sign: (alg) => hmac(alg, SECRET), wrong: (alg) => hmac(alg, OTHER_SECRET) }
  const asym = (name: string, algs: string[], key: typeof rsa, wrongKey: typeof rsa): Family => ({
    name, algs, settings: { CUBEJS_JWT_KEY: key.pem }, jose: key.publicKey, sign: (alg) => asymmetric(alg, key.privateKey), wrong: (alg) => asymmetric(alg, wrongKey.privateKey),
  })
  for (const f of [hs, asym('RSA', ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'], rsa, rsaWrong), asym('EC', ['ES256'], ec, ecWrong), asym('OKP', ['EdDSA', 'Ed25519'], ed, edWrong)]) families.set(f.name, f)
})

interface Rules {
  readonly algs: readonly string[]
  readonly audience?: string
  readonly issuers?: readonly string[]
  readonly subject?: string
  readonly tolerance: number
  readonly requireExp: boolean
}

function settingsFor(f: Family, rules: Rules): Settings {
  const settings: Record<string, string> = { ...f.settings, CUBEJS_JWT_ALGS: rules.algs.join(','), AUTHORIZER_CLOCK_TOLERANCE_SECONDS: String(rules.tolerance), AUTHORIZER_REQUIRE_EXP: String(rules.requireExp) }
  if (rules.audience !== undefined) settings.CUBEJS_JWT_AUDIENCE = rules.audience
  if (rules.issuers !== undefined) settings.CUBEJS_JWT_ISSUER = rules.issuers.join(',')
  if (rules.subject !== undefined) settings.CUBEJS_JWT_SUBJECT = rules.subject
  return settings
}

async function jose(f: Family, rules: Rules, token: string): Promise<Record<string, unknown> | undefined> {
  const options: JWTVerifyOptions = { algorithms: [...rules.algs], currentDate: new Date(NOW_MS), clockTolerance: rules.tolerance }
  if (rules.audience !== undefined) options.audience = rules.audience
  if (rules.issuers !== undefined) options.issuer = [...rules.issuers]
  if (rules.subject !== undefined) options.subject = rules.subject
  if (rules.requireExp) options.requiredClaims = ['exp']
  return jwtVerify(token, f.jose, options).then((r) => r.payload as Record<string, unknown>, () => undefined)
}

async function ours(f: Family, rules: Rules, token: string) {
  return harness(audit, settingsFor(f, rules)).run(restTokenEvent(`Bearer ${token}`))
}

const DEFAULT_RULES = (f: Family): Rules => ({ algs: f.algs, tolerance: 0, requireExp: false })
const claims = { sub: 'diff-suite-user', exp: NOW_S + 3600 }

describe('documented differences: tokens jose accepts and we refuse on purpose', () => {
  const twin = (token: string) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    return `${token.slice(0, -1)}${alphabet[alphabet.indexOf(token.at(-1) ?? 'A') ^ 1]}`
  }
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
  const signedText = (f: Family, header: string, payload: string) => forge(header, payload, f.sign('HS256'))

  it.each([
    ['crit: ["b64"] with b64: true (an extension we do not implement)', () => forge({ alg: 'HS256', b64: true, crit: ['b64'] }, claims, hmac('HS256', SECRET)), 'token_malformed'],
    ['b64: true without crit', () => forge({ alg: 'HS256', b64: true }, claims, hmac('HS256', SECRET)), 'token_malformed'],
    ['zip: DEF over a plain payload', () => forge({ alg: 'HS256', zip: 'DEF' }, claims, hmac('HS256', SECRET)), 'token_malformed'],
    ['enc in a JWS header', () => forge({ alg: 'HS256', enc: 'A256GCM' }, claims, hmac('HS256', SECRET)), 'token_malformed'],
    ['a numeric kid', () => forge({ alg: 'HS256', kid: 7 }, claims, hmac('HS256', SECRET)), 'token_malformed'],
    ['an object kid', () => forge({ alg: 'HS256', kid: { id: 'k' } }, claims, hmac('HS256', SECRET)), 'token_malformed'],
    ['a null kid', () => forge({ alg: 'HS256', kid: null }, claims, hmac('HS256', SECRET)), 'token_malformed'],
    ['a kid of 1025 characters', () => forge({ alg: 'HS256', kid: 'k'.repeat(1025) }, claims, hmac('HS256', SECRET)), 'token_malformed'],
    ['a non-canonical twin of a valid signature', () => twin(forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET))), 'token_malformed'],
    ['= padding on the signature', () => `${forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET))}=`, 'token_malformed'],
    ['a byte-order mark before the header JSON', () => signedText(familyOf('HS'), '\ufeff{"alg":"HS256"}', JSON.stringify(claims)), 'token_malformed'],
    ['a byte-order mark before the payload JSON', () => signedText(familyOf('HS'), '{"alg":"HS256"}', `\ufeff${JSON.stringify(claims)}`), 'token_malformed'],
    ['exp 1e309, which parses to Infinity (never expires for jose)', () => signedText(familyOf('HS'), '{"alg":"HS256"}', '{"sub":"diff-suite-user","exp":1e309}'), 'claim_invalid'],
    ['nbf -1e309 (minus Infinity)', () => signedText(familyOf('HS'), '{"alg":"HS256"}', `{"exp":${NOW_S + 60},"nbf":-1e309}`), 'claim_invalid'],
    ['iat 1e309', () => signedText(familyOf('HS'), '{"alg":"HS256"}', `{"exp":${NOW_S + 60},"iat":1e309}`), 'claim_invalid'],
    ['claims nested 65 levels deep', () => signedText(familyOf('HS'), '{"alg":"HS256"}', `{"exp":${NOW_S + 60},"deep":${nested(65)}}`), 'payload_invalid'],
  ] as const)('refuses %s, which jose accepts', async (_what, make, reason) => {
    const f = familyOf('HS')
    const token = make()
    expect(await jose(f, DEFAULT_RULES(f), token)).toBeDefined()
    const { outcome, decision } = await ours(f, DEFAULT_RULES(f), token)
    expect(outcome).toEqual({ kind: 'thrown', type: 'Error', message: 'Unauthorized' })
    expect(decision?.reason).toBe(reason)
  })

  it('fails closed (500) on claims that would not fit API Gateway’s 8 KB context, which jose accepts', async () => {
    const f = familyOf('HS')
    const token = forge({ alg: 'HS256' }, { ...claims, big: 'b'.repeat(9000) }, hmac('HS256', SECRET))
    expect(await jose(f, DEFAULT_RULES(f), token)).toBeDefined()
    const { outcome } = await ours(f, DEFAULT_RULES(f), token)
    expect(outcome).toEqual({ kind: 'thrown', type: 'Error', message: 'Authorizer error: context_too_large' })
  })

  it('agrees with jose on a high-S twin of an ES256 signature: ECDSA is malleable, and both accept it', async () => {
    const f = familyOf('EC')
    const token = forge({ alg: 'ES256' }, claims, f.sign('ES256'))
    const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
    const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')
    const s = BigInt(`0x${signature.subarray(32).toString('hex')}`)
    const highS = Buffer.concat([signature.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')])
    const twinToken = withSignature(token, highS)
    expect(await jose(f, DEFAULT_RULES(f), twinToken)).toBeDefined()
    expect(summary((await ours(f, DEFAULT_RULES(f), twinToken)).outcome)).toBe('allow')
  })
})

// ---- fuzzed headers and claims ----

const AUDIENCE = 'https://cube.example.com'
const ISSUER = 'https://auth.example.com'
const SUBJECT = 'diff-suite-subject'
const FOREIGN_ALGS = ['none', 'NONE', '', 'HS256', 'RS256', 'ES384', 'EdDSA', 'hs256', 'PS256 ']
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

function numericDate(rng: Random, valid: number): unknown {
  if (rng.chance(0.7)) return valid
  const edge = rng.pick([NOW_S - 3600, NOW_S - 31, NOW_S - 30, NOW_S - 1, NOW_S, NOW_S + 1, NOW_S + 30, NOW_S + 31, NOW_S + 3600, NOW_S + 0.5])
  return rng.pick([edge, edge, edge, edge, String(edge), [edge], null, true, { t: edge }])
}

function claimValue(rng: Random, near: string): unknown {
  if (rng.chance(0.75)) return rng.chance(0.8) ? near : ['other', near]
  return rng.pick([`${near}/`, near.toUpperCase(), ` ${near}`, '', [near.slice(1)], [], 7, null, { v: near }, true])
}

/** Random claims as JSON text: registered claims of every type near the edges, odd extra names, duplicate members. */
function randomPayload(rng: Random): string {
  const members: string[] = []
  const add = (name: string, value: unknown) => members.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`)
  if (rng.chance(0.8)) add('exp', numericDate(rng, NOW_S + 3600))
  if (rng.chance(0.3)) add('nbf', numericDate(rng, NOW_S - 60))
  if (rng.chance(0.4)) add('iat', numericDate(rng, NOW_S - 60))
  if (rng.chance(0.85)) add('aud', claimValue(rng, AUDIENCE))
  if (rng.chance(0.85)) add('iss', claimValue(rng, ISSUER))
  if (rng.chance(0.85)) add('sub', claimValue(rng, SUBJECT))
  if (rng.chance(0.3)) add(rng.pick(['jti', 'toString', 'hasOwnProperty', '__proto__', 'constructor', 'tenant', 'securityContext']), rng.pick(['x', { admin: true }, [1, 2], 3, false, { prototype: { polluted: 1 } }]))
  // A duplicate member: JSON.parse keeps the last one, for jose and for us alike.
  if (rng.chance(0.1)) add('exp', numericDate(rng, NOW_S + 60))
  return `{${members.join(',')}}`
}

function randomHeader(rng: Random, alg: string): string {
  const members = [`"alg":${JSON.stringify(alg)}`]
  if (rng.chance(0.3)) members.push(`"kid":${JSON.stringify(rng.pick(['k1', 'x', '', 'k'.repeat(2000), 3, null, ['k1']]))}`)
  if (rng.chance(0.3)) members.push(`"typ":${JSON.stringify(rng.pick(['JWT', 'at+jwt', 'JWE', 1]))}`)
  if (rng.chance(0.1)) members.push(`"cty":"JWT"`)
  if (rng.chance(0.1)) members.push(`${JSON.stringify(rng.pick(['crit', 'b64', 'zip', 'enc', 'jku', 'x5u', 'jwk']))}:${JSON.stringify(rng.pick([['b64'], true, false, 'DEF', 'A256GCM', 'https://127.0.0.1:1/', {}]))}`)
  if (rng.chance(0.05)) members.push(`"alg":${JSON.stringify(rng.pick(FOREIGN_ALGS))}`)
  return `{${members.join(',')}}`
}

/** Our documented extra rules, from the README: where these hold, we must refuse whatever jose says. */
function documentedDifference(token: string): boolean {
  const parts = token.split('.')
  if (parts.length !== 3) return false
  for (const part of parts) {
    if (part === '' && part === parts[2]) continue
    if (!/^[A-Za-z0-9_-]*$/.test(part) || Buffer.from(part, 'base64url').toString('base64url') !== part) return true
  }
  const text = (part: string) => Buffer.from(part, 'base64url').toString('utf8')
  if (text(parts[0] ?? '').startsWith('\ufeff') || text(parts[1] ?? '').startsWith('\ufeff')) return true
  let header: Record<string, unknown>
  let payload: unknown
  try {
    header = JSON.parse(text(parts[0] ?? ''))
    payload = JSON.parse(text(parts[1] ?? ''))
  } catch {
    return false
  }
  if (['crit', 'b64', 'zip', 'enc'].some((name) => Object.hasOwn(header, name))) return true
  if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length > 1024)) return true
  if (typeof payload === 'object' && payload !== null) {
    for (const claim of ['exp', 'nbf', 'iat']) {
      const value = (payload as Record<string, unknown>)[claim]
      if (typeof value === 'number' && !Number.isFinite(value)) return true
    }
  }
  return false
}

/** The context Cube's rules build from the payload jose verified: the payload without prototype keys (no u here). */
function strip(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(strip)
  return Object.fromEntries(Object.entries(value).filter(([key]) => !FORBIDDEN.has(key)).map(([key, v]) => [key, strip(v)]))
}

/** Usually every algorithm of the key type; sometimes a subset, occasionally one without the token's own alg. */
function allowList(rng: Random, algs: readonly string[], alg: string): readonly string[] {
  if (rng.chance(0.7)) return algs
  const others = algs.filter((a) => a !== alg && rng.chance(0.5))
  return rng.chance(0.2) && others.length > 0 ? others : [alg, ...others]
}

const principal = (payload: Record<string, unknown>) =>
  typeof payload.sub === 'string' && payload.sub !== '' && payload.sub.length <= 256 ? payload.sub : 'cube-user'

describe('fuzzed headers and claims against jose', () => {
  it.each(['HS', 'RSA', 'EC', 'OKP'])('agrees with jose on 400 random %s tokens, except where a documented rule refuses', async (name) => {
    const f = familyOf(name)
    const rng = new Random([...name].reduce((hash, c) => Math.imul(hash, 31) + c.charCodeAt(0), 0xd1ff))
    const disagreements: string[] = []
    const tally = { bothAccept: 0, bothReject: 0, documented: 0 }
    for (let i = 0; i < 400; i++) {
      const alg = rng.pick(f.algs)
      const rules: Rules = {
        algs: allowList(rng, f.algs, alg),
        tolerance: rng.pick([0, 0, 30]),
        requireExp: rng.chance(0.2),
        ...(rng.chance(0.5) ? { audience: AUDIENCE } : {}),
        ...(rng.chance(0.4) ? { issuers: [ISSUER, 'https://other.example.com'] } : {}),
        ...(rng.chance(0.3) ? { subject: SUBJECT } : {}),
      }
      const header = randomHeader(rng, alg)
      const payload = randomPayload(rng)
      const variant = rng.pick(['genuine', 'genuine', 'genuine', 'genuine', 'wrong key', 'unsigned', 'mutated'])
      let token = variant === 'unsigned' ? forge(header, payload) : forge(header, payload, (variant === 'wrong key' ? f.wrong : f.sign)(alg))
      if (variant === 'mutated') {
        const at = rng.int(token.length)
        token = `${token.slice(0, at)}${rng.pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.'])}${token.slice(at + 1)}`
      }
      audit.forbidToken(token)
      const theirs = await jose(f, rules, token)
      const { outcome } = await ours(f, rules, token)
      const accepted = outcome.kind === 'result' && summary(outcome) === 'allow'
      if (documentedDifference(token)) {
        tally.documented++
        if (accepted) disagreements.push(`#${i} ${variant}: we accept despite a documented rule: ${header} ${payload}`)
        continue
      }
      if ((theirs !== undefined) !== accepted) {
        disagreements.push(`#${i} ${variant}: jose ${theirs === undefined ? 'rejects' : 'accepts'}, we ${accepted ? 'accept' : summary(outcome)}: ${header} ${payload} ${JSON.stringify(rules)}`)
        continue
      }
      if (theirs === undefined || outcome.kind !== 'result') {
        tally.bothReject++
        continue
      }
      tally.bothAccept++
      const context = outcome.result.context as Record<string, unknown>
      if (outcome.result.principalId !== principal(theirs) || context.securityContext !== JSON.stringify(strip(theirs)))
        disagreements.push(`#${i}: context differs: ${String(context.securityContext)} vs ${JSON.stringify(strip(theirs))}`)
    }
    expect(disagreements).toEqual([])
    // Both outcomes and the documented rules must each be well represented, or agreement would prove little.
    expect(tally.bothAccept).toBeGreaterThanOrEqual(40)
    expect(tally.bothReject).toBeGreaterThanOrEqual(100)
    expect(tally.documented).toBeGreaterThanOrEqual(10)
  })
})
