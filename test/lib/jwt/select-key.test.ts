// Mirrors lib/jwt/select-key.ts: which configured keys a token's kid and alg may be verified with.
import { createSecretKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { HMAC_ALGORITHMS, RSA_ALGORITHMS } from '../../../lib/jwt/algorithms.js'
import { frozenKeys, type VerifyKey } from '../../../lib/jwt/keys.js'
import { selectKeys } from '../../../lib/jwt/select-key.js'

const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey

const rsa = (kid: string | undefined): VerifyKey => ({ kid, key: rsaKey, algorithms: RSA_ALGORITHMS })
const ec = (kid: string | undefined): VerifyKey => ({ kid, key: ecKey, algorithms: ['ES256'] })
const secret = (text: string, kid?: string): VerifyKey => ({ kid, key: createSecretKey(Buffer.from(text)), algorithms: HMAC_ALGORITHMS })

describe('selectKeys with a token kid', () => {
  it('returns only the keys whose kid matches', () => {
    const a = rsa('a')
    expect(selectKeys([rsa('b'), a, rsa('c')], 'a', 'RS256')).toEqual([a])
  })

  it('prefers a kid match over keys that declare no kid', () => {
    const match = rsa('a')
    expect(selectKeys([rsa(undefined), match], 'a', 'RS256')).toEqual([match])
  })

  it('lets keys that declare no kid serve any kid, as Cube does with a PEM key or secret', () => {
    const pem = rsa(undefined)
    expect(selectKeys([rsa('b'), pem], 'unknown', 'RS256')).toEqual([pem])
    const shared = secret('s1')
    expect(selectKeys([shared], 'whatever', 'HS256')).toEqual([shared])
  })

  it('returns nothing for an unknown kid when every key declares one', () => {
    expect(selectKeys([rsa('a'), ec('b')], 'c', 'RS256')).toEqual([])
  })

  it('does not use a kid match whose key cannot verify the alg', () => {
    expect(selectKeys([ec('a')], 'a', 'RS256')).toEqual([])
    const pem = rsa(undefined)
    expect(selectKeys([ec('a'), pem], 'a', 'RS256')).toEqual([pem])
  })
})

describe('selectKeys with a token without kid', () => {
  it('uses the one suitable key, even when it declares a kid', () => {
    const only = rsa('a')
    expect(selectKeys([only, ec('b')], undefined, 'PS256')).toEqual([only])
  })

  it('refuses to choose between two suitable asymmetric keys', () => {
    expect(selectKeys([rsa('a'), rsa('b')], undefined, 'RS256')).toEqual([])
    expect(selectKeys([rsa(undefined), rsa(undefined)], undefined, 'RS256')).toEqual([])
  })

  it('tries every secret for HMAC rotation (CUBEJS_API_SECRETS)', () => {
    const keys = [secret('old'), secret('new'), secret('newer')]
    expect(selectKeys(keys, undefined, 'HS512')).toEqual(keys)
  })

  it('does not treat secrets from a key set, which carry kids, as a rotation list', () => {
    expect(selectKeys([secret('a', 'k1'), secret('b', 'k2')], undefined, 'HS256')).toEqual([])
    expect(selectKeys([secret('a'), secret('b', 'k2')], undefined, 'HS256')).toEqual([])
  })

  it('returns nothing when no key is suitable for the alg', () => {
    expect(selectKeys([rsa('a'), secret('s')], undefined, 'ES256')).toEqual([])
  })
})

describe('selectKeys alg suitability', () => {
  it.each([
    ['HS256', 'an RSA key', rsa(undefined)],
    ['RS256', 'a secret', secret('s')],
    ['ES384', 'a P-256 key', ec(undefined)],
    ['none', 'a secret', secret('s')],
    ['rs256', 'an RSA key', rsa(undefined)],
  ])('never offers %s to %s', (alg, _what, key) => {
    expect(selectKeys([key], undefined, alg)).toEqual([])
    expect(selectKeys([key], 'kid', alg)).toEqual([])
  })

  it('filters by the key own algorithms, narrowed by a JWK alg', () => {
    const narrowed: VerifyKey = { kid: 'a', key: rsaKey, algorithms: ['PS256'] }
    expect(selectKeys([narrowed], 'a', 'RS256')).toEqual([])
    expect(selectKeys([narrowed], 'a', 'PS256')).toEqual([narrowed])
  })
})

describe('selectKeys on a frozen key set (its answers are remembered)', () => {
  const keys = frozenKeys([rsa('a'), rsa('b'), rsa(undefined), ec('c'), ec(undefined), secret('s'), secret('t', 'k')])
  const KIDS = ['a', 'b', 'c', 'k', 'unknown', 'other', undefined]
  const ALGS = [...RSA_ALGORITHMS, ...HMAC_ALGORITHMS, 'ES256', 'ES384', 'none', 'rs256', 'EdDSA']

  it('answers exactly as for the same keys in an unfrozen array, for every kid and alg, first and second time', () => {
    for (let pass = 0; pass < 2; pass++) {
      for (const kid of KIDS) for (const alg of ALGS) expect(selectKeys(keys, kid, alg), `${kid} ${alg}`).toEqual(selectKeys([...keys], kid, alg))
    }
  })

  it('returns frozen answers, so no caller can change what the next token is verified with', () => {
    const chosen = selectKeys(keys, 'a', 'RS256')
    expect(chosen).toHaveLength(1)
    expect(Object.isFrozen(chosen)).toBe(true)
  })

  it('gives every kid the set does not name one shared answer, so random kids add nothing to remember', () => {
    const first = selectKeys(keys, 'random-1', 'RS256')
    expect(first).toEqual(selectKeys([...keys], 'random-1', 'RS256'))
    for (let i = 2; i < 50; i++) expect(selectKeys(keys, `random-${i}`, 'RS256')).toBe(first)
  })

  it('keeps the answers of different key sets apart', () => {
    const other = frozenKeys([rsa('a')])
    expect(selectKeys(keys, 'a', 'RS256')[0]?.kid).toBe('a')
    expect(selectKeys(other, 'a', 'RS256')).toEqual([...other])
    expect(selectKeys(other, 'b', 'RS256')).toEqual([])
    expect(selectKeys(keys, 'b', 'RS256')[0]?.kid).toBe('b')
  })
})
