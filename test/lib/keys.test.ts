// Mirrors lib/keys.ts and lib/algorithms.ts: every form CUBEJS_JWT_KEY can take, and which algorithms each key may verify.
import { execFileSync } from 'node:child_process'
import { createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { algorithmsForKey, HMAC_ALGORITHMS, RSA_ALGORITHMS } from '../../lib/algorithms.js'
import { AuthorizerError, ErrorCode } from '../../lib/errors.js'
import { parseKeySetting, secretKey, type VerifyKey } from '../../lib/keys.js'

const SETTING = 'CUBEJS_JWT_KEY'
const noSkips = (index: number, reason: string): never => {
  throw new Error(`unexpected skip of key ${index}: ${reason}`)
}

async function keyPair(alg: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { privateKey, object: KeyObject.from(publicKey), pem: await exportSPKI(publicKey), jwk: await exportJWK(publicKey) }
}

/** The configuration error a call throws, naming `setting`; a crash or no throw fails the test. */
function expectConfigError(run: () => unknown, setting = SETTING): void {
  let thrown: unknown
  try {
    run()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(AuthorizerError)
  const error = thrown as AuthorizerError
  expect(error.code).toBe(ErrorCode.CONFIG_INVALID)
  expect(error.setting).toBe(setting)
  expect(error.message.startsWith(`${setting}: `)).toBe(true)
}

function only(keys: VerifyKey[]): VerifyKey {
  expect(keys).toHaveLength(1)
  const [key] = keys
  if (key === undefined) throw new Error('no key')
  return key
}

describe('parseKeySetting with PEM public keys', () => {
  it.each([
    ['RS256', RSA_ALGORITHMS],
    ['ES256', ['ES256']],
    ['ES384', ['ES384']],
    ['ES512', ['ES512']],
    ['Ed25519', ['EdDSA', 'Ed25519']],
  ] as const)('imports a %s SPKI key, surrounded by whitespace, with its own algorithms', async (alg, algorithms) => {
    const pair = await keyPair(alg)
    const key = only(parseKeySetting(`\n  ${pair.pem}  \n`, SETTING, noSkips))
    expect(key.kid).toBeUndefined()
    expect(key.key.equals(pair.object)).toBe(true)
    expect(key.algorithms).toEqual(algorithms)
  })

  it('refuses an RSA key under 2048 bits', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    expectConfigError(() => parseKeySetting(publicKey.export({ type: 'spki', format: 'pem' }).toString(), SETTING, noSkips))
  })

  it('refuses a private key in PKCS#8 and in PKCS#1 form', async () => {
    const pkcs8 = await exportPKCS8((await keyPair('RS256')).privateKey)
    expectConfigError(() => parseKeySetting(pkcs8, SETTING, noSkips))
    const pkcs1 = createPrivateKey(pkcs8).export({ type: 'pkcs1', format: 'pem' }).toString()
    expect(pkcs1).toContain('-----BEGIN RSA PRIVATE KEY-----')
    expectConfigError(() => parseKeySetting(pkcs1, SETTING, noSkips))
  })

  it('refuses PEM armour around garbage', () => {
    expectConfigError(() => parseKeySetting('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', SETTING, noSkips))
  })
})

describe('parseKeySetting with X.509 certificates made by openssl', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keys-test-'))
    const kinds = [['rsa', ['-newkey', 'rsa:2048']], ['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']]] as const
    for (const [name, newKey] of kinds) {
      const out = ['-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)]
      execFileSync('/usr/bin/openssl', ['req', '-x509', ...newKey, '-nodes', ...out, '-days', '2', '-subj', '/CN=authorizer test'], { stdio: 'ignore' })
    }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    ['rsa', RSA_ALGORITHMS],
    ['ec', ['ES384']],
  ] as const)('imports the public key of a self-signed %s certificate', (name, algorithms) => {
    const certificate = readFileSync(join(dir, `${name}.crt`), 'utf8')
    expect(certificate).toContain('-----BEGIN CERTIFICATE-----')
    const key = only(parseKeySetting(certificate, SETTING, noSkips))
    expect(key.key.equals(createPublicKey(readFileSync(join(dir, `${name}.key`), 'utf8')))).toBe(true)
    expect(key.algorithms).toEqual(algorithms)
  })
})

describe('parseKeySetting with a JWK', () => {
  it('imports a public JWK with its kid, narrowed to its alg', async () => {
    const { jwk, object } = await keyPair('PS384')
    const key = only(parseKeySetting(JSON.stringify({ ...jwk, kid: 'k1', alg: 'PS384', use: 'sig' }), SETTING, noSkips))
    expect(key.kid).toBe('k1')
    expect(key.key.equals(object)).toBe(true)
    expect(key.algorithms).toEqual(['PS384'])
  })

  it('gives a JWK without alg every algorithm of its key type', async () => {
    expect(only(parseKeySetting(JSON.stringify((await keyPair('RS256')).jwk), SETTING, noSkips)).algorithms).toEqual(RSA_ALGORITHMS)
  })

  it('imports a symmetric oct JWK as an HMAC key', () => {
    const key = only(parseKeySetting(JSON.stringify({ kty: 'oct', k: Buffer.from('s3cret').toString('base64url') }), SETTING, noSkips))
    expect(key.key.equals(createSecretKey(Buffer.from('s3cret')))).toBe(true)
    expect(key.algorithms).toEqual(HMAC_ALGORITHMS)
  })

  it.each([
    ['whose alg does not fit the key', async () => ({ ...(await keyPair('RS256')).jwk, alg: 'ES256' })],
    ['for encryption', async () => ({ ...(await keyPair('RS256')).jwk, use: 'enc' })],
    ['holding private material', async () => exportJWK((await keyPair('ES256')).privateKey)],
    ['of an unsupported kty', async () => ({ kty: 'XYZ', x: 'AAAA' })],
  ])('refuses a JWK %s', async (_what, make: () => Promise<JWK>) => {
    const text = JSON.stringify(await make())
    expectConfigError(() => parseKeySetting(text, SETTING, noSkips))
  })
})

describe('parseKeySetting with a JWKS', () => {
  it('keeps the usable keys and reports every skipped one with its index and reason', async () => {
    const rsa = await keyPair('RS256')
    const ec = await keyPair('ES256')
    const other = await keyPair('ES256')
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })
    const keys = [
      { ...rsa.jwk, kid: 'rsa' },
      { ...ec.jwk, kid: 'ec', alg: 'ES256' },
      { kty: 'XYZ', kid: 'a' },
      { ...rsa.jwk, kid: 'b', use: 'enc' },
      { kty: 'RSA', kid: 'c' },
      { ...(await exportJWK(ec.privateKey)), kid: 'd' },
      { ...other.jwk, kid: 'dup' },
      { ...rsa.jwk, kid: 'dup' },
      { ...ec.jwk, kid: 'e', alg: 'RS256' },
      { ...small, kid: 'f' },
    ]
    const skipped: Array<[number, string]> = []
    const result = parseKeySetting(JSON.stringify({ keys }), SETTING, (index, reason) => skipped.push([index, reason]))
    expect(result.map((key) => [key.kid, key.algorithms])).toEqual([['rsa', RSA_ALGORITHMS], ['ec', ['ES256']]])
    expect(result[0]?.key.equals(rsa.object)).toBe(true)
    expect(skipped.sort(([a], [b]) => a - b)).toEqual([
      [2, 'unsupported kty'],
      [3, 'use is not sig'],
      [4, 'invalid key parameters'],
      [5, 'private key material'],
      [6, 'duplicate kid'],
      [7, 'duplicate kid'],
      [8, 'alg does not match the key'],
      [9, 'RSA modulus under 2048 bits'],
    ])
  })

  it('refuses a JWKS with no usable key', () => {
    expectConfigError(() => parseKeySetting(JSON.stringify({ keys: [{ kty: 'XYZ' }] }), SETTING, () => undefined))
    expectConfigError(() => parseKeySetting('{"keys":[]}', SETTING, noSkips))
  })
})

describe('parseKeySetting with anything else, an HMAC secret', () => {
  it('uses the untrimmed UTF-8 bytes of the setting as the secret', () => {
    const key = only(parseKeySetting(' pässwörd ', 'CUBEJS_JWT_KEY', noSkips))
    expect(key.kid).toBeUndefined()
    expect(key.key.export().equals(Buffer.from(' pässwörd ', 'utf8'))).toBe(true)
    expect(key.algorithms).toEqual(HMAC_ALGORITHMS)
  })

  it('lets CUBEJS_API_SECRET hold any other text, braces included', () => {
    expect(secretKey('{not a key}', 'CUBEJS_API_SECRET').key.export().toString()).toBe('{not a key}')
  })

  it('refuses text that starts with { but is not JSON', () => {
    expectConfigError(() => parseKeySetting('{not json', SETTING, noSkips))
  })

  it.each(['', '   ', '\n\t'])('refuses an empty or blank secret %j', (secret) => {
    expectConfigError(() => parseKeySetting(secret, SETTING, noSkips))
    expectConfigError(() => secretKey(secret, 'CUBEJS_API_SECRET'), 'CUBEJS_API_SECRET')
  })

  it('refuses a secret that is public key text, the algorithm-confusion setup', async () => {
    const { pem, jwk } = await keyPair('RS256')
    expectConfigError(() => secretKey(pem, 'CUBEJS_API_SECRET'), 'CUBEJS_API_SECRET')
    expectConfigError(() => secretKey(JSON.stringify(jwk), 'CUBEJS_API_SECRETS'), 'CUBEJS_API_SECRETS')
    expectConfigError(() => secretKey(' {"keys":[]}', 'CUBEJS_API_SECRET'), 'CUBEJS_API_SECRET')
    // Sorted JWK output, as many identity providers publish it, does not start with kty.
    const sorted = JSON.stringify({ alg: 'RS256', e: jwk.e, kid: 'k1', kty: 'RSA', n: jwk.n, use: 'sig' })
    expectConfigError(() => secretKey(sorted, 'CUBEJS_API_SECRET'), 'CUBEJS_API_SECRET')
    expectConfigError(() => secretKey(`x${pem.replace('PUBLIC KEY', 'CERTIFICATE')}`, 'CUBEJS_API_SECRET'), 'CUBEJS_API_SECRET')
    // Text that does not start with the armour is not a PEM import, but must not become a secret either.
    expectConfigError(() => parseKeySetting(`key: ${pem}`, SETTING, noSkips))
  })
})

describe('algorithmsForKey', () => {
  const generate = generateKeyPairSync as unknown as (type: string, options: object) => { publicKey: KeyObject; privateKey: KeyObject }

  it.each([
    ['RSA 2048', 'rsa', { modulusLength: 2048 }, RSA_ALGORITHMS],
    ['RSA 1024', 'rsa', { modulusLength: 1024 }, []],
    ['RSA-PSS 2048', 'rsa-pss', { modulusLength: 2048 }, ['PS256', 'PS384', 'PS512']],
    ['EC P-256', 'ec', { namedCurve: 'P-256' }, ['ES256']],
    ['EC P-384', 'ec', { namedCurve: 'P-384' }, ['ES384']],
    ['EC P-521', 'ec', { namedCurve: 'P-521' }, ['ES512']],
    ['EC secp256k1', 'ec', { namedCurve: 'secp256k1' }, []],
    ['Ed25519', 'ed25519', {}, ['EdDSA', 'Ed25519']],
    ['Ed448 (EdDSA means Ed25519 only, as in jose 6)', 'ed448', {}, []],
    ['X25519', 'x25519', {}, []],
  ] as const)('gives a %s public key exactly its algorithms', (_what, type, options, algorithms) => {
    expect(algorithmsForKey(generate(type, options).publicKey)).toEqual(algorithms)
  })

  it('gives a secret the HMAC algorithms and a private key none', () => {
    expect(algorithmsForKey(createSecretKey(Buffer.from('secret')))).toEqual(['HS256', 'HS384', 'HS512'])
    expect(algorithmsForKey(generate('ec', { namedCurve: 'P-256' }).privateKey)).toEqual([])
  })
})
