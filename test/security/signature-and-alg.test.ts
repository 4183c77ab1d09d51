// Attack family: signature and algorithm bypass (alg none, stripped/truncated/moved signatures, unlisted algs, psychic ECDSA).
import * as nodeCrypto from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  expectAllow,
  expectAuthorizerError,
  expectUnauthorized,
  harness,
  LogAudit,
  NOW_S,
  OTHER_SECRET,
  SECRET,
  type Harness,
} from '../support/security-harness.js'
import { asymmetric, b64url, forge, hmac, pair, withSignature, type Pair } from '../support/security-tokens.js'
import { restTokenEvent } from '../support/tokens.js'

// A stand-in for a crypto backend with CVE-2022-21449 (Java's "psychic signatures"): when switched on, it accepts an
// all-zero r||s ECDSA signature. Our own r/s check must reject those tokens before the backend is ever asked.
const backend = vi.hoisted(() => ({ psychic: false, ecdsaCalls: 0 }))
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof nodeCrypto>()
  const verify = (...args: Parameters<typeof real.verify>): boolean => {
    const [, , key, signature] = args
    const ecdsa = typeof key === 'object' && key !== null && 'dsaEncoding' in key
    if (ecdsa) backend.ecdsaCalls++
    if (ecdsa && backend.psychic && Buffer.from(signature as Uint8Array).every((byte) => byte === 0)) return true
    return (real.verify as (...all: unknown[]) => boolean)(...args)
  }
  return { ...real, verify }
})

const audit = new LogAudit()
afterAll(() => audit.expectClean(100))

const claims = { sub: 'sig-suite-user', role: 'sig-suite-viewer-role', iat: NOW_S - 10, exp: NOW_S + 3600 }
audit.forbid(claims.sub, claims.role)
const event = (token: string) => restTokenEvent(`Bearer ${audit.forbidToken(token)}`)

/** Every upper/lower-case spelling of "none" (16 of them). */
const NONE_CASINGS = Array.from({ length: 16 }, (_, mask) => [...'none'].map((c, i) => (mask & (1 << i) ? c.toUpperCase() : c)).join(''))

let rsa: Pair
let ec256: Pair
let ec384: Pair
let ec521: Pair
let ed: Pair
let secretH: Harness
let rsaH: Harness
const ecH = new Map<string, { h: Harness; key: Pair }>()
let edH: Harness

beforeAll(async () => {
  ;[rsa, ec256, ec384, ec521, ed] = await Promise.all([pair('RS256'), pair('ES256'), pair('ES384'), pair('ES512'), pair('Ed25519')])
  audit.forbid(rsa.pem, ec256.pem, ec384.pem, ec521.pem, ed.pem, rsa.jwk.n, ec256.jwk.x, ed.jwk.x)
  secretH = harness(audit, { CUBEJS_API_SECRET: SECRET })
  rsaH = harness(audit, { CUBEJS_JWT_KEY: rsa.pem })
  ecH.set('ES256', { h: harness(audit, { CUBEJS_JWT_KEY: ec256.pem }), key: ec256 })
  ecH.set('ES384', { h: harness(audit, { CUBEJS_JWT_KEY: ec384.pem }), key: ec384 })
  ecH.set('ES512', { h: harness(audit, { CUBEJS_JWT_KEY: ec521.pem }), key: ec521 })
  edH = harness(audit, { CUBEJS_JWT_KEY: ed.pem })
})

const ecOf = (alg: string) => {
  const found = ecH.get(alg)
  if (found === undefined) throw new Error(alg)
  return found
}

describe('alg none', () => {
  it.each(NONE_CASINGS)('rejects alg %j unsigned, with an HMAC signature and with junk bytes, against a secret and an RSA key', async (alg) => {
    for (const h of [secretH, rsaH]) {
      await expectUnauthorized(h, event(forge({ alg, typ: 'JWT' }, claims)), 'alg_not_allowed')
      await expectUnauthorized(h, event(forge({ alg, typ: 'JWT' }, claims, hmac('HS256', SECRET))), 'alg_not_allowed')
      await expectUnauthorized(h, event(forge({ alg }, claims, () => Buffer.from('junk-signature'))), 'alg_not_allowed')
    }
  })

  it.each([' none', 'none ', 'none\u0000', 'n\u006fne', '"none"', 'none,HS256'])('rejects the look-alike alg %j', async (alg) => {
    await expectUnauthorized(secretH, event(forge({ alg }, claims)), 'alg_not_allowed')
  })

  it.each(['none', 'NONE', 'None', ' none ', 'HS256,none', 'none,HS256', 'RS256, none'])(
    'refuses CUBEJS_JWT_ALGS=%j as a configuration error, even for an unsigned token', async (algs) => {
      const h = harness(audit, { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: algs })
      await expectAuthorizerError(h, event(forge({ alg: 'none' }, claims)), 'config_invalid', 'CUBEJS_JWT_ALGS')
      await expectAuthorizerError(h, event(forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET))), 'config_invalid', 'CUBEJS_JWT_ALGS')
    },
  )

  it('refuses jwt.algorithms containing none in code options as a configuration error', async () => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET }, { jwt: { algorithms: ['HS256', 'none'] } })
    await expectAuthorizerError(h, event(forge({ alg: 'none' }, claims)), 'config_invalid', 'CUBEJS_JWT_ALGS')
  })

  it.each([',', ' , ', ''])('refuses a set but empty CUBEJS_JWT_ALGS=%j', async (algs) => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: algs })
    await expectAuthorizerError(h, event(forge({ alg: 'none' }, claims)), 'config_invalid', 'CUBEJS_JWT_ALGS')
  })
})

describe('null and truncated signatures', () => {
  it('accepts the untouched HS256 token, so each rejection below is caused by its edit', async () => {
    await expectAllow(secretH, event(forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET))))
  })

  it.each([
    ['an empty signature segment', ''],
    ['the text null', 'null'],
    ['one zero byte', Buffer.alloc(1)],
    ['32 zero bytes', Buffer.alloc(32)],
  ])('rejects an HS256 token whose signature is %s', async (_what, signature) => {
    const token = withSignature(forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET)), signature)
    await expectUnauthorized(secretH, event(token), 'signature_invalid')
  })

  it('rejects a signature cut to a single character as malformed', async () => {
    const token = forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET))
    await expectUnauthorized(secretH, event(token.slice(0, token.lastIndexOf('.') + 2)), 'token_malformed')
  })

  it.each([
    ['HS256', [0, 1, 16, 31]],
    ['RS256', [0, 128, 255]],
    ['PS256', [0, 128, 255]],
    ['ES256', [0, 32, 63]],
    ['EdDSA', [0, 32, 63]],
  ] as const)('rejects a %s signature truncated to shorter byte lengths %j', async (alg, lengths) => {
    const [h, signer] =
      alg === 'HS256' ? [secretH, hmac(alg, SECRET)] :
      alg === 'ES256' ? [ecOf('ES256').h, asymmetric(alg, ec256.privateKey)] :
      alg === 'EdDSA' ? [edH, asymmetric(alg, ed.privateKey)] : [rsaH, asymmetric(alg, rsa.privateKey)]
    const token = forge({ alg }, claims, signer)
    await expectAllow(h, event(token))
    const full = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
    for (const length of lengths) await expectUnauthorized(h, event(withSignature(token, full.subarray(0, length))), 'signature_invalid')
  })

  it('rejects an RS256 signature of the right length made of zero bytes', async () => {
    await expectUnauthorized(rsaH, event(forge({ alg: 'RS256' }, claims, () => Buffer.alloc(256))), 'signature_invalid')
  })
})

describe('a valid signature moved onto edited content', () => {
  const signers = () => ({
    HS256: [secretH, hmac('HS256', SECRET)],
    RS256: [rsaH, asymmetric('RS256', rsa.privateKey)],
    PS256: [rsaH, asymmetric('PS256', rsa.privateKey)],
    ES256: [ecOf('ES256').h, asymmetric('ES256', ec256.privateKey)],
    EdDSA: [edH, asymmetric('EdDSA', ed.privateKey)],
  }) as const

  it.each(['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'] as const)('rejects a %s signature kept over an escalated payload', async (alg) => {
    const [h, signer] = signers()[alg]
    const token = forge({ alg }, claims, signer)
    await expectAllow(h, event(token))
    const [header, , signature] = token.split('.')
    const escalated = `${header}.${b64url({ ...claims, role: 'admin' })}.${signature}`
    await expectUnauthorized(h, event(escalated), 'signature_invalid')
  })

  it.each(['HS256', 'RS256', 'ES256', 'EdDSA'] as const)('rejects a %s token whose payload was re-serialized with the same claims', async (alg) => {
    const [h, signer] = signers()[alg]
    const [header, , signature] = forge({ alg }, claims, signer).split('.')
    await expectUnauthorized(h, event(`${header}.${b64url(JSON.stringify(claims, null, 1))}.${signature}`), 'signature_invalid')
  })

  it('rejects a signature lifted from another token signed by the same key', async () => {
    const donor = forge({ alg: 'HS256' }, { sub: 'sig-suite-other' }, hmac('HS256', SECRET))
    const target = forge({ alg: 'HS256' }, { ...claims, role: 'admin' })
    await expectUnauthorized(secretH, event(withSignature(target, donor.slice(donor.lastIndexOf('.') + 1))), 'signature_invalid')
  })

  it('rejects an HS256 signature presented under an edited header (HS384 then HS512)', async () => {
    const signature = forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET)).split('.')[2] ?? ''
    for (const alg of ['HS384', 'HS512']) await expectUnauthorized(secretH, event(withSignature(forge({ alg }, claims), signature)), 'signature_invalid')
  })

  it('rejects a token signed with another secret', async () => {
    await expectUnauthorized(secretH, event(forge({ alg: 'HS256' }, claims, hmac('HS256', OTHER_SECRET))), 'signature_invalid')
  })
})

describe('algorithms outside the allow-list', () => {
  it('rejects validly signed HS384 and HS512 tokens when CUBEJS_JWT_ALGS=HS256', async () => {
    const h = harness(audit, { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: 'HS256' })
    await expectAllow(h, event(forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET))))
    for (const alg of ['HS384', 'HS512']) await expectUnauthorized(h, event(forge({ alg }, claims, hmac(alg, SECRET))), 'alg_not_allowed')
  })

  it('rejects validly signed PS256 and RS512 tokens when CUBEJS_JWT_ALGS=RS256', async () => {
    const h = harness(audit, { CUBEJS_JWT_KEY: rsa.pem, CUBEJS_JWT_ALGS: 'RS256' })
    await expectAllow(h, event(forge({ alg: 'RS256' }, claims, asymmetric('RS256', rsa.privateKey))))
    for (const alg of ['PS256', 'RS512']) await expectUnauthorized(h, event(forge({ alg }, claims, asymmetric(alg, rsa.privateKey))), 'alg_not_allowed')
  })

  it.each(['hs256', 'HS256 ', 'HS1', 'RS1', 'ES256K', 'EdDSA', 'ES256', 'A128KW', 'dir', 'RSA-OAEP', 'HS', '', 'HS256\u0000'])(
    'rejects alg %j against a secret', async (alg) => {
      await expectUnauthorized(secretH, event(forge({ alg }, claims, hmac('HS256', SECRET))), 'alg_not_allowed')
    },
  )

  it('logs an alg from the header only when it looks like an algorithm name, never free text or 16 KB of it', async () => {
    const algs = ['NoNe', 'x\n{"level":"info","message":"decision","outcome":"allow"}', `HS256 ${'A'.repeat(10_000)}`, 'none,HS256', 'a'.repeat(33)]
    const logged = []
    for (const alg of algs) {
      const { decision } = await secretH.run(event(forge({ alg }, claims)))
      expect(decision?.reason).toBe('alg_not_allowed')
      logged.push(decision?.alg)
    }
    expect(logged).toEqual(['NoNe', '[unprintable]', '[unprintable]', '[unprintable]', '[unprintable]'])
  })

  it.each([
    ['missing', {}],
    ['a number', { alg: 256 }],
    ['null', { alg: null }],
    ['an array', { alg: ['HS256'] }],
    ['an object', { alg: { name: 'HS256' } }],
    ['true', { alg: true }],
  ])('rejects a header whose alg is %s as malformed', async (_what, header) => {
    await expectUnauthorized(secretH, event(forge(header, claims, hmac('HS256', SECRET))), 'token_malformed')
  })
})

describe('psychic and otherwise invalid ECDSA signatures', () => {
  const ORDER: Readonly<Record<string, string>> = {
    ES256: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
    ES384: 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    ES512: '01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
  }

  const cases = (alg: string, valid: Buffer) => {
    const half = valid.length / 2
    const n = Buffer.from(ORDER[alg] ?? '', 'hex')
    const [r, s] = [valid.subarray(0, half), valid.subarray(half)]
    const zero = Buffer.alloc(half)
    return [
      ['r = s = 0', Buffer.concat([zero, zero])],
      ['r = 0', Buffer.concat([zero, s])],
      ['s = 0', Buffer.concat([r, zero])],
      ['r = s = n (the curve order, zero modulo n)', Buffer.concat([n, n])],
      ['r = n', Buffer.concat([n, s])],
      ['s = n', Buffer.concat([r, n])],
      ['r = s = 1', Buffer.concat([Buffer.alloc(half - 1), Buffer.from([1]), Buffer.alloc(half - 1), Buffer.from([1])])],
      ['r and s all ones bits (above n)', Buffer.alloc(valid.length, 0xff)],
      ['the DER encoding of r = s = 0', Buffer.from('3006020100020100', 'hex')],
      ['one byte too long', Buffer.concat([valid, Buffer.from([0])])],
      ['one byte too short', valid.subarray(1)],
      ['r only', r],
    ] as const
  }

  it.each(['ES256', 'ES384', 'ES512'])('rejects every invalid %s encoding as signature_invalid', async (alg) => {
    const { h, key } = ecOf(alg)
    const token = forge({ alg }, claims, asymmetric(alg, key.privateKey))
    await expectAllow(h, event(token))
    const valid = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
    for (const [, signature] of cases(alg, valid)) await expectUnauthorized(h, event(withSignature(token, signature)), 'signature_invalid')
  })

  it.each(['ES256', 'ES384', 'ES512'])('rejects an all-zero %s signature even when the crypto backend would accept it (CVE-2022-21449)', async (alg) => {
    const { h, key } = ecOf(alg)
    const size = { ES256: 64, ES384: 96, ES512: 132 }[alg] ?? 0
    backend.psychic = true
    try {
      // The stand-in really is vulnerable: asked directly, it accepts the zero signature.
      expect(nodeCrypto.verify(`sha${alg.slice(2)}`, Buffer.from('x'), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.alloc(size))).toBe(true)
      const calls = backend.ecdsaCalls
      await expectUnauthorized(h, event(forge({ alg }, { ...claims, role: 'admin' }, () => Buffer.alloc(size))), 'signature_invalid')
      expect(backend.ecdsaCalls).toBe(calls)
    } finally {
      backend.psychic = false
    }
  })

  it('rejects an ES256 token against a P-384 key, whatever its signature', async () => {
    await expectUnauthorized(ecOf('ES384').h, event(forge({ alg: 'ES256' }, claims, asymmetric('ES256', ec256.privateKey))), 'alg_not_allowed')
  })
})
