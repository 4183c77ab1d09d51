// Attack family: key confusion (public key text as an HMAC secret, cross-type algorithms, JWK alg/use, empty secrets, issuers).
import { afterAll, afterEach, beforeAll, describe, it, expect } from 'vitest'
import type { Settings } from '../../lib/config-env.js'
import {
  expectAllow,
  expectAuthorizerError,
  expectUnauthorized,
  harness,
  LogAudit,
  NOW_S,
  SECRET,
  type Harness,
} from '../support/security-harness.js'
import { asymmetric, forge, hmac, pair, selfSignedCertificate, type Certificate, type Pair } from '../support/security-tokens.js'
import { startJwksServer, trapServer, type JwksServer, type TrapServer } from '../support/jwks-server.js'
import { restTokenEvent } from '../support/tokens.js'

const audit = new LogAudit()
afterAll(() => audit.expectClean(50))
const servers: Array<JwksServer | TrapServer> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

const claims = { sub: 'confusion-suite-user', tenant: 'confusion-suite-tenant', iat: NOW_S - 10, exp: NOW_S + 3600 }
audit.forbid(claims.sub, claims.tenant)
const event = (token: string) => restTokenEvent(`Bearer ${audit.forbidToken(token)}`)

let rsa: Pair
let ec: Pair
let ed: Pair
let attackerEc: Pair
let rsa2: Pair
let cert: Certificate

beforeAll(async () => {
  ;[rsa, ec, ed, attackerEc, rsa2] = await Promise.all([pair('RS256'), pair('ES256'), pair('Ed25519'), pair('ES256'), pair('RS256')])
  cert = selfSignedCertificate('confusion-suite')
  audit.forbid(rsa.pem, ec.pem, ed.pem, cert.pem, cert.x5c, rsa.jwk.n, ec.jwk.x, ec.jwk.y, ed.jwk.x)
})

/** Every spelling of a public key's text that an attacker might try as the HMAC secret. */
function spellings(pem: string, jwkJson?: string): Array<[string, string | Buffer]> {
  const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')
  const der = Buffer.from(body, 'base64')
  const list: Array<[string, string | Buffer]> = [
    ['the PEM as written', pem],
    ['the PEM trimmed', pem.trim()],
    ['the PEM with CRLF line ends', pem.replace(/\n/g, '\r\n')],
    ['the PEM with a blank line after it', `${pem.trimEnd()}\n\n`],
    ['the PEM with its body on one line', `${pem.split('\n')[0]}\n${body}\n${pem.trim().split('\n').at(-1)}\n`],
    ['the base64 body without armour', body],
    ['the DER bytes', der],
  ]
  if (jwkJson !== undefined) list.push(['the JWK JSON', jwkJson], ['the JWK JSON pretty-printed', JSON.stringify(JSON.parse(jwkJson), null, 2)])
  return list
}

describe('the configured public key text used as an HMAC secret', () => {
  it.each(['HS256', 'HS384', 'HS512'])('rejects %s tokens keyed with every spelling of an RSA PEM, also when CUBEJS_JWT_ALGS lists HMAC', async (alg) => {
    const plain = harness(audit, { CUBEJS_JWT_KEY: rsa.pem })
    const listed = harness(audit, { CUBEJS_JWT_KEY: rsa.pem, CUBEJS_JWT_ALGS: `RS256,${alg}` })
    for (const [, secret] of spellings(rsa.pem, JSON.stringify(rsa.jwk))) {
      const token = forge({ alg, typ: 'JWT' }, { ...claims, role: 'admin' }, hmac(alg, secret))
      await expectUnauthorized(plain, event(token), 'alg_not_allowed')
      await expectUnauthorized(listed, event(token), 'alg_not_allowed')
    }
  })

  it('rejects HS256 keyed with the text of a configured X.509 certificate, in every spelling', async () => {
    const h = harness(audit, { CUBEJS_JWT_KEY: cert.pem })
    await expectAllow(h, event(forge({ alg: 'RS256' }, claims, asymmetric('RS256', cert.privateKey))))
    for (const [, secret] of spellings(cert.pem)) await expectUnauthorized(h, event(forge({ alg: 'HS256' }, claims, hmac('HS256', secret))), 'alg_not_allowed')
  })

  it('rejects HS256 keyed with the exact JSON of a JWK configured in CUBEJS_JWT_KEY', async () => {
    const setting = JSON.stringify({ ...ec.jwk, alg: 'ES256' })
    const h = harness(audit, { CUBEJS_JWT_KEY: setting })
    await expectAllow(h, event(forge({ alg: 'ES256' }, claims, asymmetric('ES256', ec.privateKey))))
    await expectUnauthorized(h, event(forge({ alg: 'HS256' }, claims, hmac('HS256', setting))), 'alg_not_allowed')
  })

  it.each([
    ['an EC PEM', () => ec.pem],
    ['an Ed25519 PEM', () => ed.pem],
  ])('rejects HS256 keyed with %s', async (_what, pem) => {
    const h = harness(audit, { CUBEJS_JWT_KEY: pem() })
    for (const [, secret] of spellings(pem())) await expectUnauthorized(h, event(forge({ alg: 'HS256' }, claims, hmac('HS256', secret))), 'alg_not_allowed')
  })

  it('refuses CUBEJS_JWT_ALGS that allows only HMAC with a public key as a configuration error', async () => {
    const h = harness(audit, { CUBEJS_JWT_KEY: rsa.pem, CUBEJS_JWT_ALGS: 'HS256' })
    await expectAuthorizerError(h, event(forge({ alg: 'HS256' }, claims, hmac('HS256', rsa.pem))), 'config_invalid', 'CUBEJS_JWT_ALGS')
  })

  it.each([
    ['CUBEJS_API_SECRET', 'an RSA PEM', () => rsa.pem],
    ['CUBEJS_API_SECRET', 'a certificate', () => cert.pem],
    ['CUBEJS_API_SECRET', 'a JWK', () => JSON.stringify(rsa.jwk)],
    ['CUBEJS_API_SECRET', 'a JWK whose members are sorted (alg first)', () => JSON.stringify({ alg: 'RS256', ...rsa.jwk })],
    ['CUBEJS_API_SECRET', 'a JWKS', () => JSON.stringify({ keys: [rsa.jwk] })],
    ['CUBEJS_API_SECRETS', 'a list holding a PEM', () => `rotated-secret-one,${ec.pem}`],
  ] as const)('refuses %s holding %s (the confusion set-up) as a configuration error', async (setting, _what, value) => {
    const h = harness(audit, { [setting]: value() } as Settings)
    await expectAuthorizerError(h, event(forge({ alg: 'HS256' }, claims, hmac('HS256', value()))), 'config_invalid', setting)
  })
})

describe('keys used with another key type’s algorithm', () => {
  it('rejects ES256 and EdDSA tokens against an RSA key, and RS256 and EdDSA tokens against an EC key', async () => {
    const rsaH = harness(audit, { CUBEJS_JWT_KEY: rsa.pem })
    const ecH = harness(audit, { CUBEJS_JWT_KEY: ec.pem })
    await expectUnauthorized(rsaH, event(forge({ alg: 'ES256' }, claims, asymmetric('ES256', ec.privateKey))), 'alg_not_allowed')
    await expectUnauthorized(rsaH, event(forge({ alg: 'EdDSA' }, claims, asymmetric('EdDSA', ed.privateKey))), 'alg_not_allowed')
    await expectUnauthorized(ecH, event(forge({ alg: 'RS256' }, claims, asymmetric('RS256', rsa.privateKey))), 'alg_not_allowed')
    await expectUnauthorized(ecH, event(forge({ alg: 'EdDSA' }, claims, asymmetric('EdDSA', ed.privateKey))), 'alg_not_allowed')
  })

  describe('within one JWKS holding RSA, EC and OKP keys', () => {
    let h: Harness
    beforeAll(() => {
      h = harness(audit, { CUBEJS_JWT_KEY: JSON.stringify({ keys: [{ ...rsa.jwk, kid: 'rsa' }, { ...ec.jwk, kid: 'ec' }, { ...ed.jwk, kid: 'ed' }] }) })
    })

    it('accepts each key with its own algorithm, so the rejections below are about the pairing', async () => {
      await expectAllow(h, event(forge({ alg: 'PS256', kid: 'rsa' }, claims, asymmetric('PS256', rsa.privateKey))))
      await expectAllow(h, event(forge({ alg: 'ES256', kid: 'ec' }, claims, asymmetric('ES256', ec.privateKey))))
      await expectAllow(h, event(forge({ alg: 'EdDSA', kid: 'ed' }, claims, asymmetric('EdDSA', ed.privateKey))))
    })

    it.each([
      ['ES256 under the RSA kid', 'ES256', 'rsa', () => ec],
      ['RS256 under the EC kid', 'RS256', 'ec', () => rsa],
      ['EdDSA under the RSA kid', 'EdDSA', 'rsa', () => ed],
      ['ES256 under the OKP kid', 'ES256', 'ed', () => ec],
      ['RS256 under the OKP kid', 'RS256', 'ed', () => rsa],
    ])('rejects %s, even signed by the key that owns that algorithm', async (_what, alg, kid, signer) => {
      await expectUnauthorized(h, event(forge({ alg, kid }, claims, asymmetric(alg, signer().privateKey))), 'key_not_found')
    })

    it('rejects ES384 under the P-256 kid: no key in the set can verify ES384, so it is not even allowed', async () => {
      await expectUnauthorized(h, event(forge({ alg: 'ES384', kid: 'ec' }, claims, () => Buffer.alloc(96, 1))), 'alg_not_allowed')
    })
  })
})

describe('JWK alg and use mismatches', () => {
  const keySet = () => JSON.stringify({
    keys: [
      { ...rsa.jwk, kid: 'pinned-rs256', alg: 'RS256' },
      { ...ec.jwk, kid: 'for-encryption', use: 'enc' },
      { ...ec.jwk, kid: 'ops-encrypt', key_ops: ['encrypt'] },
      { ...rsa.jwk, kid: 'claims-hs256', alg: 'HS256' },
      { ...ec.jwk, kid: 'claims-es384', alg: 'ES384' },
      { ...ec.jwk, kid: 'claims-none', alg: 'none' },
      { ...ed.jwk, kid: 'usable' },
      // Another RSA and EC key keep RS*/PS* and ES256 on the allow-list, so only the per-key rules can refuse below.
      { ...rsa2.jwk, kid: 'rsa-any' },
      { ...attackerEc.jwk, kid: 'ec-any' },
    ],
  })

  it.each([
    ['PS256 under a JWK pinned to RS256', 'PS256', 'pinned-rs256', () => asymmetric('PS256', rsa.privateKey)],
    ['RS512 under a JWK pinned to RS256', 'RS512', 'pinned-rs256', () => asymmetric('RS512', rsa.privateKey)],
    ['ES256 under a use: enc JWK', 'ES256', 'for-encryption', () => asymmetric('ES256', ec.privateKey)],
    ['ES256 under a JWK whose key_ops lack verify', 'ES256', 'ops-encrypt', () => asymmetric('ES256', ec.privateKey)],
    ['RS256 under an RSA JWK claiming HS256', 'RS256', 'claims-hs256', () => asymmetric('RS256', rsa.privateKey)],
    ['ES256 under a P-256 JWK claiming ES384', 'ES256', 'claims-es384', () => asymmetric('ES256', ec.privateKey)],
    ['ES256 under a JWK claiming none', 'ES256', 'claims-none', () => asymmetric('ES256', ec.privateKey)],
  ])('rejects %s as key_not_found', async (_what, alg, kid, signer) => {
    const h = harness(audit, { CUBEJS_JWT_KEY: keySet() })
    await expectAllow(h, event(forge({ alg: 'EdDSA', kid: 'usable' }, claims, asymmetric('EdDSA', ed.privateKey))))
    await expectUnauthorized(h, event(forge({ alg, kid }, claims, signer())), 'key_not_found')
  })

  it('accepts RS256 under the JWK pinned to RS256, the one pairing it allows', async () => {
    const h = harness(audit, { CUBEJS_JWT_KEY: keySet() })
    await expectAllow(h, event(forge({ alg: 'RS256', kid: 'pinned-rs256' }, claims, asymmetric('RS256', rsa.privateKey))))
  })

  it.each([
    ['use: enc', () => ({ ...ec.jwk, use: 'enc' })],
    ['alg HS256 on an RSA key', () => ({ ...rsa.jwk, alg: 'HS256' })],
    ['private key material (d)', () => ({ ...ec.jwk, d: 'AAAA' })],
    ['an empty oct k', () => ({ kty: 'oct', k: '' })],
  ])('refuses a single JWK in CUBEJS_JWT_KEY with %s as a configuration error', async (_what, jwk) => {
    const h = harness(audit, { CUBEJS_JWT_KEY: JSON.stringify(jwk()) })
    await expectAuthorizerError(h, event(forge({ alg: 'ES256' }, claims, asymmetric('ES256', ec.privateKey))), 'config_invalid', 'CUBEJS_JWT_KEY')
  })

  it('never verifies HMAC with a symmetric key a remote JWKS publishes (anyone can read its k)', async () => {
    const published = 'confusion-suite-published-k'
    audit.forbid(Buffer.from(published).toString('base64url'))
    const server = await startJwksServer({ keys: { keys: [{ kty: 'oct', kid: 'oct', k: Buffer.from(published).toString('base64url') }, { ...ec.jwk, kid: 'ec', alg: 'ES256' }] } })
    servers.push(server)
    const h = harness(audit, { CUBEJS_JWK_URL: server.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' })
    await expectAllow(h, event(forge({ alg: 'ES256', kid: 'ec' }, claims, asymmetric('ES256', ec.privateKey))))
    await expectUnauthorized(h, event(forge({ alg: 'HS256', kid: 'oct' }, claims, hmac('HS256', published))), 'alg_not_allowed')
  })
})

describe('empty or whitespace secrets', () => {
  it.each([
    ['CUBEJS_API_SECRET empty', { CUBEJS_API_SECRET: '' }, 'CUBEJS_API_SECRET'],
    ['CUBEJS_API_SECRET a space', { CUBEJS_API_SECRET: ' ' }, 'CUBEJS_API_SECRET'],
    ['CUBEJS_API_SECRET tabs and newlines', { CUBEJS_API_SECRET: '\t\r\n ' }, 'CUBEJS_API_SECRET'],
    ['CUBEJS_API_SECRETS only separators', { CUBEJS_API_SECRETS: ' , ,, ' }, 'CUBEJS_API_SECRET'],
    ['CUBEJS_API_SECRETS separators and CUBEJS_API_SECRET blank', { CUBEJS_API_SECRETS: ',', CUBEJS_API_SECRET: '  ' }, 'CUBEJS_API_SECRET'],
    ['CUBEJS_JWT_KEY an oct JWK without k', { CUBEJS_JWT_KEY: '{"kty":"oct"}' }, 'CUBEJS_JWT_KEY'],
  ] as const)('refuses %s as a configuration error, never verifying with an empty key', async (_what, settings, setting) => {
    const h = harness(audit, settings)
    for (const key of ['', ' ', '\t\r\n ']) {
      await expectAuthorizerError(h, event(forge({ alg: 'HS256' }, claims, hmac('HS256', key))), 'config_invalid', setting)
    }
    await expectAuthorizerError(h, event(forge({ alg: 'none' }, claims)), 'config_invalid', setting)
  })

  it('treats a blank jwt.key given in code as unset: no key at all is a configuration error, and a secret still rules', async () => {
    const alone = harness(audit, {}, { jwt: { key: '' } })
    await expectAuthorizerError(alone, event(forge({ alg: 'HS256' }, claims, hmac('HS256', ''))), 'config_invalid', 'CUBEJS_API_SECRET')
    const withSecret = harness(audit, { CUBEJS_API_SECRET: SECRET }, { jwt: { key: ' ' } })
    await expectUnauthorized(withSecret, event(forge({ alg: 'HS256' }, claims, hmac('HS256', ' '))), 'signature_invalid')
    await expectAllow(withSecret, event(forge({ alg: 'HS256' }, claims, hmac('HS256', SECRET))))
  })
})

describe('per-issuer key sets (AUTHORIZER_JWK_URLS)', () => {
  it('uses an issuer’s keys only for its own tokens, and fetches nothing for an unmapped or hostile iss', async () => {
    const [a, b, trap] = await Promise.all([
      startJwksServer({ keys: { keys: [{ ...ec.jwk, kid: 'tenant-a', alg: 'ES256' }] } }),
      startJwksServer({ keys: { keys: [{ ...attackerEc.jwk, kid: 'tenant-b', alg: 'ES256' }] } }),
      trapServer(),
    ])
    servers.push(a, b, trap)
    const h = harness(audit, { AUTHORIZER_JWK_URLS: JSON.stringify({ 'https://a.example.com/': a.url, 'https://b.example.com/': b.url }), AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' })
    const sign = (iss: unknown, kid: string, key: Pair) => forge({ alg: 'ES256', kid }, { ...claims, iss }, asymmetric('ES256', key.privateKey))
    await expectAllow(h, event(sign('https://a.example.com/', 'tenant-a', ec)))
    // Tenant B's signer claims tenant A's issuer: A's key set has no such kid, and B's keys are never consulted.
    await expectUnauthorized(h, event(sign('https://a.example.com/', 'tenant-b', attackerEc)), 'key_not_found')
    for (const iss of [trap.url, trap.origin, 'https://a.example.com', 'HTTPS://A.EXAMPLE.COM/', '__proto__', 'constructor', ['https://a.example.com/'], 7, null]) {
      await expectUnauthorized(h, event(sign(iss, 'tenant-a', ec)), 'issuer_mismatch')
    }
    expect(trap.requests).toBe(0)
    expect(a.requests).toBeLessThanOrEqual(2)
    expect(b.requests).toBe(0)
  })

  it('refuses AUTHORIZER_JWK_URLS naming a plain-http or file URL as a configuration error', async () => {
    for (const url of ['http://jwks.example.com/keys', 'file:///etc/passwd', 'https://user:pass@jwks.example.com/keys']) {
      const h = harness(audit, { AUTHORIZER_JWK_URLS: JSON.stringify({ 'https://a.example.com/': url }), AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' })
      await expectAuthorizerError(h, event(forge({ alg: 'ES256' }, claims, asymmetric('ES256', ec.privateKey))), 'config_invalid', 'AUTHORIZER_JWK_URLS')
    }
  })
})
