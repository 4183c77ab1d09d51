// Mirrors lib/select-key.ts: which configured keys a token's kid and alg may be verified with.
import { createSecretKey, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { HMAC_ALGORITHMS, RSA_ALGORITHMS } from '../../lib/algorithms.js'
import { frozenKeys, type VerifyKey } from '../../lib/keys.js'
import { KidRule, selectKeys } from '../../lib/select-key.js'

const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey

const rsa = (kid: string | undefined): VerifyKey => ({ kid, key: rsaKey, algorithms: RSA_ALGORITHMS })
const ec = (kid: string | undefined): VerifyKey => ({ kid, key: ecKey, algorithms: ['ES256'] })
const secret = (text: string, kid?: string): VerifyKey => ({ kid, key: createSecretKey(Buffer.from(text)), algorithms: HMAC_ALGORITHMS })

describe('selectKeys in a key set (EXACT: a JWKS in CUBEJS_JWT_KEY)', () => {
  it('returns only the keys whose kid matches', () => {
    const a = rsa('a')
    expect(selectKeys([rsa('b'), a, rsa('c')], 'a', 'RS256', KidRule.EXACT)).toEqual([a])
  })

  it('never lets a key without kid serve a token with an unknown kid', () => {
    expect(selectKeys([rsa('b'), rsa(undefined)], 'unknown', 'RS256', KidRule.EXACT)).toEqual([])
    expect(selectKeys([secret('s1')], 'whatever', 'HS256', KidRule.EXACT)).toEqual([])
  })

  it('prefers nothing over a kid match whose key cannot verify the alg', () => {
    expect(selectKeys([ec('a'), rsa(undefined)], 'a', 'RS256', KidRule.EXACT)).toEqual([])
  })

  it('uses the one suitable key for a token without kid, whether or not the key has a kid', () => {
    const only = rsa('a')
    expect(selectKeys([only, ec('b')], undefined, 'PS256', KidRule.EXACT)).toEqual([only])
    const bare = rsa(undefined)
    expect(selectKeys([bare, ec('b')], undefined, 'RS256', KidRule.EXACT)).toEqual([bare])
  })

  it('refuses to choose between two suitable keys for a token without kid', () => {
    expect(selectKeys([rsa('a'), rsa('b')], undefined, 'RS256', KidRule.EXACT)).toEqual([])
    expect(selectKeys([rsa(undefined), rsa(undefined)], undefined, 'RS256', KidRule.EXACT)).toEqual([])
    expect(selectKeys([secret('a'), secret('b', 'k2')], undefined, 'HS256', KidRule.EXACT)).toEqual([])
  })

  it('is the default rule', () => {
    expect(selectKeys([rsa(undefined)], 'unknown', 'RS256')).toEqual([])
  })
})

describe('selectKeys in a remote JWKS (REQUIRED)', () => {
  it('refuses a token without kid, even when exactly one key suits it', () => {
    expect(selectKeys([rsa('a'), ec('b')], undefined, 'RS256', KidRule.REQUIRED)).toEqual([])
    expect(selectKeys([rsa(undefined)], undefined, 'RS256', KidRule.REQUIRED)).toEqual([])
  })

  it('uses exactly the key with the token kid, never a key published without kid', () => {
    const a = rsa('a')
    expect(selectKeys([rsa(undefined), a], 'a', 'RS256', KidRule.REQUIRED)).toEqual([a])
    expect(selectKeys([rsa(undefined), a], 'b', 'RS256', KidRule.REQUIRED)).toEqual([])
  })
})

describe('selectKeys with single static keys and secrets (IGNORE, as Cube)', () => {
  it('lets the one key serve a token whatever its kid', () => {
    const pem = rsa(undefined)
    expect(selectKeys([pem], 'unknown', 'RS256', KidRule.IGNORE)).toEqual([pem])
    const jwk = rsa('mine')
    expect(selectKeys([jwk], 'theirs', 'RS256', KidRule.IGNORE)).toEqual([jwk])
    expect(selectKeys([jwk], undefined, 'RS256', KidRule.IGNORE)).toEqual([jwk])
  })

  it('tries every secret for HMAC rotation (CUBEJS_API_SECRETS)', () => {
    const keys = [secret('old'), secret('new'), secret('newer')]
    expect(selectKeys(keys, undefined, 'HS512', KidRule.IGNORE)).toEqual(keys)
    expect(selectKeys(keys, 'any', 'HS512', KidRule.IGNORE)).toEqual(keys)
  })

  it('returns nothing when no key is suitable for the alg', () => {
    expect(selectKeys([rsa(undefined)], undefined, 'ES256', KidRule.IGNORE)).toEqual([])
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

  it('answers exactly as for the same keys in an unfrozen array, for every rule, kid and alg, first and second time', () => {
    for (let pass = 0; pass < 2; pass++) {
      for (const rule of Object.values(KidRule)) {
        for (const kid of KIDS) for (const alg of ALGS) expect(selectKeys(keys, kid, alg, rule), `${rule} ${kid} ${alg}`).toEqual(selectKeys([...keys], kid, alg, rule))
      }
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
