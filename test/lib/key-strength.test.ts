// Weak keys never verify anything: strict oct `k`, RSA public exponent odd and >= 3, EdDSA only with Ed25519 (issue 12, items 3 and 7).
import { createPublicKey, createSecretKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { keyProblem } from '../../lib/algorithms.js'
import { AuthorizerError, ErrorCode } from '../../lib/errors.js'
import { importJwks, parseKeySetting } from '../../lib/keys.js'

const SETTING = 'CUBEJS_JWT_KEY'
const rsaJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' })
const ed448 = generateKeyPairSync('ed448').publicKey
const ed25519Jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' })
const GOOD_K = Buffer.from('k'.repeat(32)).toString('base64url')

function configErrorOf(run: () => unknown): AuthorizerError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(AuthorizerError)
    expect((error as AuthorizerError).code).toBe(ErrorCode.CONFIG_INVALID)
    expect((error as AuthorizerError).setting).toBe(SETTING)
    return error as AuthorizerError
  }
  throw new Error('expected a configuration error')
}

const noSkips = (): void => {
  throw new Error('no key should be skipped')
}

describe('an oct JWK k, decoded as strictly as token segments', () => {
  it.each([
    ['empty', ''],
    ['one character (length % 4 === 1)', 'A'],
    ['characters outside base64url', '!!!!'],
    ['padding', '='],
    ['padded base64url', `${GOOD_K}=`],
    ['standard base64', Buffer.alloc(33, 0xfb).toString('base64')],
    ['non-canonical (unused bits set)', 'AB'],
    ['not a string', 42],
  ])('refuses a k that is %s, naming the key', (_what, k) => {
    const single = configErrorOf(() => parseKeySetting(JSON.stringify({ kty: 'oct', k }), SETTING, noSkips))
    expect(single.message).toMatch(/k is missing, empty or not canonical base64url/)
    const set = JSON.stringify({ keys: [{ kty: 'oct', kid: 'good', k: GOOD_K }, { kty: 'oct', kid: 'bad', k }] })
    expect(configErrorOf(() => parseKeySetting(set, SETTING, noSkips)).message).toMatch(/key 1 of the JWKS/)
  })

  it('takes a canonical k as exactly its bytes', () => {
    const [key] = parseKeySetting(JSON.stringify({ kty: 'oct', k: GOOD_K }), SETTING, noSkips)
    expect(key?.key.equals(createSecretKey(Buffer.from('k'.repeat(32))))).toBe(true)
  })
})

describe('RSA public exponent', () => {
  it.each([
    ['1', 'AQ'],
    ['2', 'Ag'],
    ['4', 'BA'],
  ])('refuses e = %s in CUBEJS_JWT_KEY (a JWK, a PEM key, a JWKS)', (_e, e) => {
    const jwk = { ...rsaJwk, e }
    expect(configErrorOf(() => parseKeySetting(JSON.stringify(jwk), SETTING, noSkips)).message).toMatch(/RSA public exponent/)
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString()
    expect(configErrorOf(() => parseKeySetting(pem, SETTING, noSkips)).message).toMatch(/RSA public exponent/)
    expect(configErrorOf(() => parseKeySetting(JSON.stringify({ keys: [{ ...jwk, kid: 'a' }] }), SETTING, noSkips)).message).toMatch(/key 0 of the JWKS/)
  })

  it('skips (and reports) such a key in a remote JWKS, keeping the others', () => {
    const skipped: Array<[number, string]> = []
    const keys = importJwks({ keys: [{ ...rsaJwk, e: 'AQ', kid: 'weak' }, { ...rsaJwk, kid: 'good' }] }, (index, reason) => skipped.push([index, reason]))
    expect(keys.map((key) => key.kid)).toEqual(['good'])
    expect(skipped).toEqual([[0, 'RSA public exponent is not odd and at least 3']])
  })

  it('accepts e = 3 and e = 65537', () => {
    for (const e of ['Aw', 'AQAB']) expect(parseKeySetting(JSON.stringify({ ...rsaJwk, e }), SETTING, noSkips)).toHaveLength(1)
  })
})

describe('EdDSA means Ed25519 only, as in jose 6', () => {
  it('refuses an Ed448 key in CUBEJS_JWT_KEY, as PEM or JWK', () => {
    expect(keyProblem(ed448)).toMatch(/Ed448/)
    expect(configErrorOf(() => parseKeySetting(ed448.export({ format: 'pem', type: 'spki' }).toString(), SETTING, noSkips)).message).toMatch(/Ed448/)
    expect(configErrorOf(() => parseKeySetting(JSON.stringify(ed448.export({ format: 'jwk' })), SETTING, noSkips)).message).toMatch(/Ed448/)
  })

  it('skips an Ed448 key in a remote JWKS and keeps an Ed25519 one', () => {
    const skipped: Array<[number, string]> = []
    const keys = importJwks({ keys: [{ ...ed448.export({ format: 'jwk' }), kid: 'x448' }, { ...ed25519Jwk, kid: 'x25519' }] }, (index, reason) => skipped.push([index, reason]))
    expect(keys.map((key) => [key.kid, key.algorithms])).toEqual([['x25519', ['EdDSA', 'Ed25519']]])
    expect(skipped).toEqual([[0, 'Ed448 key: EdDSA means Ed25519 only']])
  })
})
