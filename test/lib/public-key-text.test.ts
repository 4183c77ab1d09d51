// Mirrors lib/public-key-text.ts: no public key text, in any form, ever becomes an HMAC secret (issue 12, item 2).
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../lib/config.js'
import type { Settings } from '../../lib/config-env.js'
import { AuthorizerError, ErrorCode } from '../../lib/errors.js'
import { describeKeyText } from '../../lib/public-key-text.js'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey
const ed = generateKeyPairSync('ed25519').publicKey
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
const spkiBase64 = (rsa.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64')
const pkcs1Base64 = (rsa.export({ format: 'der', type: 'pkcs1' }) as Buffer).toString('base64')
/** A self-signed certificate made by openssl, as keys.test.ts does. */
const CERT_PEM = execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-days', '2', '-subj', '/CN=authorizer test'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
const rsaJwk = rsa.export({ format: 'jwk' })
const sortedJwk = JSON.stringify(Object.fromEntries(Object.entries({ ...rsaJwk, alg: 'RS256', kid: 'k1', use: 'sig' }).sort(([a], [b]) => a.localeCompare(b))))
const sshEd25519 = `ssh-ed25519 ${Buffer.concat([Buffer.from('\0\0\0\x0bssh-ed25519\0\0\0 '), (ed.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12)]).toString('base64')} user@host`

const KEY_TEXTS: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['a PEM public key', rsa.export({ format: 'pem', type: 'spki' }).toString(), /PEM block \(PUBLIC KEY\)/],
  ['a PEM RSA PUBLIC KEY', rsa.export({ format: 'pem', type: 'pkcs1' }).toString(), /PEM block \(RSA PUBLIC KEY\)/],
  ['a PEM private key', generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), /PEM block \(PRIVATE KEY\)/],
  ['a certificate', CERT_PEM, /PEM block \(CERTIFICATE\)/],
  ['a JWK', JSON.stringify(rsaJwk), /a JWK\b/],
  ['a sorted JWK', sortedJwk, /a JWK\b/],
  ['a JWKS', JSON.stringify({ keys: [ec.export({ format: 'jwk' })] }), /a JWKS\b/],
  ['a JWK inside a JSON string', JSON.stringify(JSON.stringify(rsaJwk)), /a JWK inside a JSON string/],
  ['a JWKS inside a JSON string', JSON.stringify(JSON.stringify({ keys: [rsaJwk] })), /a JWKS inside a JSON string/],
  ['a piece of a JWK', '"kty":"RSA"', /JWK members/],
  ['bare base64 SPKI (Keycloak realm public_key)', spkiBase64, /base64 DER public key \(SPKI\)/],
  ['bare base64 SPKI over several lines', spkiBase64.replace(/(.{64})/g, '$1\n'), /base64 DER public key \(SPKI\)/],
  ['bare base64url SPKI', (ed.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64url'), /base64 DER public key \(SPKI\)/],
  ['bare base64 PKCS#1', pkcs1Base64, /base64 DER public key \(PKCS#1\)/],
  ['an OpenSSH ssh-ed25519 key', sshEd25519, /OpenSSH public key \(ssh-ed25519\)/],
  ['an OpenSSH ssh-rsa key', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host', /OpenSSH public key \(ssh-rsa\)/],
  ['an OpenSSH ecdsa key', 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=', /OpenSSH public key \(ecdsa-sha2-nistp256\)/],
  ['an SSH2 public key', '---- BEGIN SSH2 PUBLIC KEY ----\nAAAAB3NzaC1yc2E\n---- END SSH2 PUBLIC KEY ----', /SSH2 public key/],
]

function configErrorOf(settings: Settings): AuthorizerError {
  try {
    parseConfig(settings)
  } catch (error) {
    expect(error).toBeInstanceOf(AuthorizerError)
    return error as AuthorizerError
  }
  throw new Error('expected a configuration error')
}

describe('describeKeyText', () => {
  it.each(KEY_TEXTS)('recognises %s', (_what, text, found) => {
    expect(describeKeyText(text)).toMatch(found)
  })

  it.each([
    ['a random base64 secret (openssl rand -base64 48)', randomBytes(48).toString('base64')],
    ['a random hex secret', randomBytes(32).toString('hex')],
    ['a passphrase', 'correct horse battery staple, but longer than 32 bytes'],
    ['a JSON object that is no key', '{"tenant":"acme","note":"just a long secret"}'],
  ])('leaves %s alone', (_what, text) => {
    expect(describeKeyText(text)).toBeUndefined()
  })
})

describe('settings that become HMAC secrets', () => {
  const secretSettings = (text: string, found: RegExp): Array<[string, Settings, RegExp]> => [
    ['CUBEJS_API_SECRET', { CUBEJS_API_SECRET: text }, found],
    ['CUBEJS_API_SECRETS', { CUBEJS_API_SECRETS: text }, found],
    // Next to a good secret the text is no longer valid JSON as a whole; it is still found as key text.
    ['CUBEJS_API_SECRETS', { CUBEJS_API_SECRETS: `${'a-good-rotation-secret-'.repeat(2)},${text}` }, /holds (a |an |JWK)/],
  ]

  it.each(KEY_TEXTS)('refuse %s, naming the setting and what was found, never the value', (_what, text, found) => {
    for (const [setting, settings, expected] of secretSettings(text, found)) {
      const error = configErrorOf(settings)
      expect(error.code).toBe(ErrorCode.CONFIG_INVALID)
      expect(error.setting).toBe(setting)
      expect(error.message).toMatch(expected)
      for (const line of text.split('\n')) if (line.length > 12 && !line.startsWith('-----') && !line.startsWith('----')) expect(error.message).not.toContain(line.slice(0, 24))
    }
  })

  it('refuses a sorted public JWK in CUBEJS_API_SECRETS before the comma split could cut it into harmless-looking pieces', () => {
    const error = configErrorOf({ CUBEJS_API_SECRETS: sortedJwk })
    expect(error.setting).toBe('CUBEJS_API_SECRETS')
    expect(error.message).toMatch(/a JWK/)
  })

  it.each([
    ['a JWK inside a JSON string', JSON.stringify(JSON.stringify(rsaJwk))],
    ['an OpenSSH key', sshEd25519],
    ['a PEM block after other text', `x ${rsa.export({ format: 'pem', type: 'spki' })}`],
  ])('refuse %s in CUBEJS_JWT_KEY, which would otherwise become a secret', (_what, text) => {
    expect(configErrorOf({ CUBEJS_JWT_KEY: text }).setting).toBe('CUBEJS_JWT_KEY')
  })

  it('take bare base64 SPKI or certificate DER in CUBEJS_JWT_KEY as the public key it is', () => {
    for (const text of [spkiBase64, (new X509Certificate(CERT_PEM).raw).toString('base64')]) {
      const source = parseConfig({ CUBEJS_JWT_KEY: text }).keySource
      expect(source.kind === 'static' && source.keys.every((key) => key.key.type === 'public')).toBe(true)
    }
  })
})
