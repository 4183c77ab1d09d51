// Mirrors lib/select-key.ts: which configured keys a token's kid and alg may be verified with.
import { createSecretKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { HMAC_ALGORITHMS, RSA_ALGORITHMS } from '../../lib/algorithms.js'
import type { VerifyKey } from '../../lib/keys.js'
import { selectKeys } from '../../lib/select-key.js'

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
