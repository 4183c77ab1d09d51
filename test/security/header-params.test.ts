// Attack family: header-supplied keys and parameters (jwk, jku, x5u, x5c, kid injection, crit, b64, zip, cty, JWE).
import { deflateRawSync } from 'node:zlib'
import { CompactEncrypt, importSPKI } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { expectAllow, expectUnauthorized, harness, LogAudit, NOW_S, SECRET, OTHER_SECRET, type Harness } from '../support/security-harness.js'
import { asymmetric, b64url, forge, hmac, pair, selfSignedCertificate, type Certificate, type Pair } from '../support/security-tokens.js'
import { startJwksServer, trapServer, type JwksServer, type TrapServer } from '../support/jwks-server.js'
import { restTokenEvent } from '../support/tokens.js'

const audit = new LogAudit()
afterAll(() => audit.expectClean(50))

const claims = { sub: 'header-suite-user', tenant: 'header-suite-tenant', iat: NOW_S - 10, exp: NOW_S + 3600 }
audit.forbid(claims.sub, claims.tenant)
const event = (token: string) => restTokenEvent(`Bearer ${audit.forbidToken(token)}`)

let rsa: Pair
let attacker: Pair
let attackerCert: Certificate
let trap: TrapServer
let provider: JwksServer
let pemH: Harness
let setH: Harness
let remoteH: Harness
let secretH: Harness

beforeAll(async () => {
  ;[rsa, attacker] = await Promise.all([pair('RS256'), pair('RS256')])
  attackerCert = selfSignedCertificate('header-suite-attacker')
  audit.forbid(rsa.pem, rsa.jwk.n, attacker.jwk.n, attackerCert.x5c)
  trap = await trapServer()
  provider = await startJwksServer({ keys: { keys: [{ ...rsa.jwk, kid: 'rsa-1', alg: 'RS256', use: 'sig' }] } })
  pemH = harness(audit, { CUBEJS_JWT_KEY: rsa.pem })
  setH = harness(audit, { CUBEJS_JWT_KEY: JSON.stringify({ keys: [{ ...rsa.jwk, kid: 'rsa-1' }] }) })
  remoteH = harness(audit, { CUBEJS_JWK_URL: provider.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' })
  secretH = harness(audit, { CUBEJS_API_SECRET: SECRET })
})

// Whatever the header names, the attacker's servers must never be contacted by any test in this file.
afterEach(() => expect(trap.requests).toBe(0))
afterAll(async () => {
  await Promise.all([trap.close(), provider.close()])
})

describe('keys and key URLs supplied in the header', () => {
  const headers = () => ({
    'an embedded jwk': { jwk: attacker.jwk },
    'a jku on the attacker’s server': { jku: `${trap.origin}/jwks.json` },
    'an x5u on the attacker’s server': { x5u: `${trap.origin}/cert.pem` },
    'an x5c chain with the attacker’s certificate': { x5c: [attackerCert.x5c] },
    'all of them at once': { jwk: attacker.jwk, jku: trap.url, x5u: trap.url, x5c: [attackerCert.x5c], x5t: 'AAAA' },
  })

  it.each(['an embedded jwk', 'a jku on the attacker’s server', 'an x5u on the attacker’s server', 'an x5c chain with the attacker’s certificate', 'all of them at once'] as const)(
    'ignores %s: an attacker-signed token fails against a PEM key, a static key set and a remote JWKS', async (name) => {
      const header = headers()[name]
      const signer = name.includes('x5c') ? asymmetric('RS256', attackerCert.privateKey) : asymmetric('RS256', attacker.privateKey)
      const token = (kid?: string) => forge({ alg: 'RS256', ...header, ...(kid === undefined ? {} : { kid }) }, { ...claims, role: 'admin' }, signer)
      await expectUnauthorized(pemH, event(token()), 'signature_invalid')
      await expectUnauthorized(setH, event(token('rsa-1')), 'signature_invalid')
      await expectUnauthorized(remoteH, event(token('rsa-1')), 'signature_invalid')
      await expectUnauthorized(remoteH, event(token('attacker-kid')), 'key_not_found')
      expect(provider.requests).toBe(1)
    },
  )

  it('still accepts a genuine token that happens to carry jku and x5u, without fetching them', async () => {
    await expectAllow(remoteH, event(forge({ alg: 'RS256', kid: 'rsa-1', jku: trap.url, x5u: trap.url }, claims, asymmetric('RS256', rsa.privateKey))))
  })
})

describe('kid injection', () => {
  const genuine = (kid: unknown) => forge({ alg: 'RS256', kid }, claims, asymmetric('RS256', rsa.privateKey))

  it.each([
    ['path traversal', '../../../../etc/passwd'],
    ['an absolute path', '/dev/random'],
    ['a file URL', 'file:///etc/passwd'],
    ['SQL', "' OR '1'='1' --"],
    ['SQL with a statement', '"; DROP TABLE keys; --'],
    ['a JNDI lookup', '${jndi:ldap://127.0.0.1/x}'],
    ['a URL of the attacker', 'http://127.0.0.1/jwks.json'],
    ['a NUL after the real kid', 'rsa-1\u0000'],
    ['the real kid with a trailing space', 'rsa-1 '],
    ['the real kid in upper case', 'RSA-1'],
    ['a log line of its own', 'x\n{"level":"info","message":"decision","outcome":"allow"}'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['toString', 'toString'],
    ['1024 characters', 'k'.repeat(1024)],
    ['an empty string', ''],
  ])('rejects a genuinely signed token whose kid is %s, with no extra fetch', async (_what, kid) => {
    await expectUnauthorized(setH, event(genuine(kid)), 'key_not_found')
    await expectUnauthorized(remoteH, event(genuine(kid)), 'key_not_found')
    expect(provider.requests).toBe(1)
  })

  it('accepts the genuine kid, so the injections above fail on the kid alone', async () => {
    await expectAllow(setH, event(genuine('rsa-1')))
    await expectAllow(remoteH, event(genuine('rsa-1')))
  })

  it.each([
    ['1025 characters', 'k'.repeat(1025)],
    ['a number', 1],
    ['null', null],
    ['true', true],
    ['an array holding the real kid', ['rsa-1']],
    ['an object', { kid: 'rsa-1' }],
  ])('rejects a kid that is %s as malformed', async (_what, kid) => {
    await expectUnauthorized(setH, event(genuine(kid)), 'token_malformed')
    await expectUnauthorized(remoteH, event(genuine(kid)), 'token_malformed')
  })

  it('never writes an injected kid that does not look like an identifier into the decision log', async () => {
    const before = remoteH.decisions().length
    for (const kid of ["' OR '1'='1' --", 'x\n{"outcome":"allow"}', 'k'.repeat(200)]) await remoteH.run(event(genuine(kid)))
    expect(remoteH.decisions().slice(before).map((d) => d.kid)).toEqual(['[unprintable]', '[unprintable]', '[unprintable]'])
  })
})

describe('JWS extensions and nesting', () => {
  const signed = (header: Record<string, unknown>, payload: unknown = claims) => forge({ alg: 'HS256', ...header }, payload, hmac('HS256', SECRET))

  it.each([
    ['crit naming exp', { crit: ['exp'], exp: 1 }],
    ['crit naming b64', { crit: ['b64'], b64: true }],
    ['an empty crit', { crit: [] }],
    ['crit as a string', { crit: 'b64' }],
    ['b64: true without crit', { b64: true }],
    ['zip: DEF', { zip: 'DEF' }],
    ['enc (a JWE header)', { enc: 'A256GCM' }],
  ])('rejects a validly signed token whose header has %s as malformed', async (_what, header) => {
    await expectUnauthorized(secretH, event(signed(header)), 'token_malformed')
  })

  it('rejects b64: false (RFC 7797): the signature covers the raw payload, which is not a JWT', async () => {
    const header = b64url({ alg: 'HS256', b64: false, crit: ['b64'] })
    const raw = JSON.stringify({ ...claims, role: 'admin' })
    const token = `${header}.${b64url(raw)}.${hmac('HS256', SECRET)(`${header}.${raw}`).toString('base64url')}`
    await expectUnauthorized(secretH, event(token), 'token_malformed')
  })

  it('rejects zip: DEF over a deflated payload, signed as RFC 7516 would', async () => {
    const header = b64url({ alg: 'HS256', zip: 'DEF' })
    const payload = deflateRawSync(Buffer.from(JSON.stringify(claims))).toString('base64url')
    const token = `${header}.${payload}.${hmac('HS256', SECRET)(`${header}.${payload}`).toString('base64url')}`
    await expectUnauthorized(secretH, event(token), 'token_malformed')
  })

  describe('cty: JWT (nested tokens are never unwrapped)', () => {
    const inner = () => forge({ alg: 'HS256' }, { ...claims, role: 'admin' }, hmac('HS256', SECRET))

    it('rejects a validly signed outer token whose payload is a valid inner JWT', async () => {
      await expectUnauthorized(secretH, event(forge({ alg: 'HS256', cty: 'JWT' }, inner(), hmac('HS256', SECRET))), 'token_malformed')
    })

    it('rejects an unsigned outer token wrapping a valid inner JWT', async () => {
      await expectUnauthorized(secretH, event(forge({ alg: 'none', cty: 'JWT' }, inner())), 'alg_not_allowed')
    })

    it('rejects an outer token signed with another key wrapping a valid inner JWT', async () => {
      await expectUnauthorized(secretH, event(forge({ alg: 'HS256', cty: 'JWT' }, inner(), hmac('HS256', OTHER_SECRET))), 'signature_invalid')
    })

    it('treats cty as informational on a genuine claims set', async () => {
      await expectAllow(secretH, event(signed({ cty: 'JWT' })))
    })
  })

  describe('a JWE presented where a JWS is expected', () => {
    it('rejects a real RSA-OAEP-256 JWE encrypted to the configured public key (anyone can make one)', async () => {
      const key = await importSPKI(rsa.pem, 'RSA-OAEP-256')
      const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ ...claims, role: 'admin' })))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
        .encrypt(key)
      expect(jwe.split('.')).toHaveLength(5)
      await expectUnauthorized(pemH, event(jwe), 'token_malformed')
    })

    it('rejects a direct-encryption JWE against a secret', async () => {
      const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims)))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .encrypt(Buffer.alloc(32, 7))
      await expectUnauthorized(secretH, event(jwe), 'token_malformed')
    })

    it('rejects a three-segment token with a JWE header, even HMAC-signed with the secret', async () => {
      await expectUnauthorized(secretH, event(forge({ alg: 'dir', enc: 'A256GCM' }, claims, hmac('HS256', SECRET))), 'token_malformed')
      await expectUnauthorized(secretH, event(forge({ alg: 'HS256', enc: 'A256GCM' }, claims, hmac('HS256', SECRET))), 'token_malformed')
    })
  })
})
