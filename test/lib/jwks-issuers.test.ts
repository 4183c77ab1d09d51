// AUTHORIZER_JWK_URLS: several issuers, each with its own JWKS URL, chosen by the token's iss from settings only.
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../lib/authorizer.js'
import { parseJwksSource } from '../../lib/config-jwks.js'
import type { Settings } from '../../lib/config-env.js'
import { ErrorCode } from '../../lib/errors.js'
import { generateJwk, startJwksServer } from '../support/jwks-server.js'
import { capturedLogger, restTokenEvent, signed } from '../support/tokens.js'
import { closedAfterEach } from '../support/closed-after-each.js'

const ISSUER_A = 'https://tenant-a.example.auth0.com/'
const ISSUER_B = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_B'
const track = closedAfterEach()

async function tenant(kid: string) {
  const { privateKey, publicJwk } = await generateJwk('RS256', kid)
  const server = track(await startJwksServer({ keys: { keys: [publicJwk] } }))
  return { privateKey, server }
}

async function setup() {
  const a = await tenant('key-a')
  const b = await tenant('key-b')
  const log = capturedLogger()
  const settings: Settings = { AUTHORIZER_JWK_URLS: JSON.stringify({ [ISSUER_A]: a.server.url, [ISSUER_B]: b.server.url }), AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }
  const handler = createAuthorizer({ settings: () => settings, logger: log.logger })
  const outcome = (token: string) =>
    handler(restTokenEvent(`Bearer ${token}`)).then((r) => `allow:${(r as { principalId: string }).principalId}`, (e: Error) => e.message)
  return { a, b, log, outcome }
}

describe('AUTHORIZER_JWK_URLS', () => {
  it("verifies each issuer's tokens with that issuer's keys, fetching each key set once", async () => {
    const { a, b, outcome } = await setup()
    expect(await outcome(await signed('RS256', a.privateKey, { iss: ISSUER_A, sub: 'alice' }, { kid: 'key-a' }))).toBe('allow:alice')
    expect(await outcome(await signed('RS256', b.privateKey, { iss: ISSUER_B, sub: 'bob' }, { kid: 'key-b' }))).toBe('allow:bob')
    expect(await outcome(await signed('RS256', a.privateKey, { iss: ISSUER_A, sub: 'carol' }, { kid: 'key-a' }))).toBe('allow:carol')
    expect([a.server.requests, b.server.requests]).toEqual([1, 1])
  })

  it('rejects a token whose iss is not configured without fetching anything', async () => {
    const { a, b, log, outcome } = await setup()
    expect(await outcome(await signed('RS256', a.privateKey, { iss: 'https://evil.example/', sub: 'x' }, { kid: 'key-a' }))).toBe('Unauthorized')
    expect(await outcome(await signed('RS256', a.privateKey, { sub: 'no-iss' }, { kid: 'key-a' }))).toBe('Unauthorized')
    expect(log.named('decision').map((d) => d.reason)).toEqual([ErrorCode.ISSUER_MISMATCH, ErrorCode.ISSUER_MISMATCH])
    expect([a.server.requests, b.server.requests]).toEqual([0, 0])
  })

  it("rejects a token claiming one issuer but signed with another issuer's key", async () => {
    const { b, outcome } = await setup()
    expect(await outcome(await signed('RS256', b.privateKey, { iss: ISSUER_A, sub: 'mallory' }, { kid: 'key-a' }))).toBe('Unauthorized')
    expect(await outcome(await signed('RS256', b.privateKey, { iss: ISSUER_A, sub: 'mallory' }, { kid: 'key-b' }))).toBe('Unauthorized')
  })

  it('still applies CUBEJS_JWT_ISSUER on top of the mapping', async () => {
    const a = await tenant('key-a')
    const settings: Settings = { AUTHORIZER_JWK_URLS: JSON.stringify({ [ISSUER_A]: a.server.url }), CUBEJS_JWT_ISSUER: 'https://other/', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }
    const handler = createAuthorizer({ settings: () => settings, logger: capturedLogger().logger })
    const token = await signed('RS256', a.privateKey, { iss: ISSUER_A }, { kid: 'key-a' })
    await expect(handler(restTokenEvent(`Bearer ${token}`))).rejects.toThrow(/^Unauthorized$/)
  })
})

describe('parsing AUTHORIZER_JWK_URLS', () => {
  const parse = (value: string, extra: Settings = {}) => () => parseJwksSource({ AUTHORIZER_JWK_URLS: value, ...extra }, undefined)

  it('maps issuers to validated URLs', () => {
    const source = parseJwksSource({ AUTHORIZER_JWK_URLS: JSON.stringify({ [ISSUER_A]: 'https://tenant-a.example.auth0.com/.well-known/jwks.json' }) }, undefined)
    expect(source?.url).toBeUndefined()
    expect([...(source?.byIssuer ?? [])]).toEqual([[ISSUER_A, 'https://tenant-a.example.auth0.com/.well-known/jwks.json']])
  })

  it.each([
    ['not JSON', 'https://a/jwks'],
    ['an array', '["https://a/jwks"]'],
    ['empty', '{}'],
    ['a non-string URL', '{"https://a/": 42}'],
    ['an empty issuer', '{"": "https://a/jwks"}'],
    ['plain http to a remote host', '{"https://a/": "http://a.example/jwks"}'],
    ['too many issuers', JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`https://i${i}/`, `https://i${i}/jwks`])))],
  ])('refuses %s, naming the setting', (_what, value) => {
    expect(parse(value)).toThrow(expect.objectContaining({ code: ErrorCode.CONFIG_INVALID, setting: 'AUTHORIZER_JWK_URLS' }))
  })

  it('refuses to be combined with CUBEJS_JWK_URL', () => {
    expect(parse(JSON.stringify({ [ISSUER_A]: 'https://a/jwks' }), { CUBEJS_JWK_URL: 'https://b/jwks' })).toThrow(
      expect.objectContaining({ code: ErrorCode.CONFIG_INVALID, setting: 'AUTHORIZER_JWK_URLS' }),
    )
  })
})
