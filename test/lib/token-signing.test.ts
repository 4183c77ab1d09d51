// Tokens minted for the authorizer's own configuration pass that authorizer; settings it cannot sign for fail, named.
import { decodeProtectedHeader, decodeJwt, exportSPKI, generateKeyPair } from 'jose'
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../lib/authorizer.js'
import { parseConfig } from '../../lib/config.js'
import type { Settings } from '../../lib/config-env.js'
import { AuthorizerError } from '../../lib/errors.js'
import { mintToken, signingKeyOf, TOKEN_LIFETIME_SECONDS } from '../../lib/token-signing.js'
import { capturedLogger, restTokenEvent } from '../support/tokens.js'

const NOW_S = 1_795_900_000
const SECRET = 'signing-secret-2b7e9d41c0-0123456789abcdef0123456789abcdef012345'

/** The real authorizer under the same settings, on the same clock. */
async function authorize(settings: Settings, token: string): Promise<unknown> {
  const handler = createAuthorizer({ settings: () => settings, now: () => NOW_S * 1000, logger: capturedLogger().logger })
  return handler(restTokenEvent(`Bearer ${token}`))
}

const contextOf = (result: unknown) => JSON.parse(String((result as { context: { securityContext: string } }).context.securityContext)) as unknown

describe('mintToken', () => {
  it('signs the user claims with HS256 for one day, and the authorizer allows them as the security context', async () => {
    const settings = { CUBEJS_API_SECRET: SECRET }
    const token = await mintToken(parseConfig(settings), { sub: 'alice', tenant: 'acme' }, NOW_S)
    expect(decodeProtectedHeader(token)).toStrictEqual({ alg: 'HS256', typ: 'JWT' })
    expect(decodeJwt(token)).toStrictEqual({ sub: 'alice', tenant: 'acme', iat: NOW_S, exp: NOW_S + TOKEN_LIFETIME_SECONDS })
    expect(TOKEN_LIFETIME_SECONDS).toBe(86_400)
    expect(contextOf(await authorize(settings, token))).toStrictEqual({ sub: 'alice', tenant: 'acme', iat: NOW_S, exp: NOW_S + 86_400 })
  })

  it('adds the audience, issuer, subject and claims namespace the settings demand, so the token passes their checks', async () => {
    const settings = {
      CUBEJS_API_SECRET: SECRET,
      CUBEJS_JWT_AUDIENCE: 'cube-api',
      CUBEJS_JWT_ISSUER: 'https://login.example.com/, https://old.example.com/',
      CUBEJS_JWT_SUBJECT: 'front-end',
      CUBEJS_JWT_CLAIMS_NAMESPACE: 'https://cube.dev/',
    }
    const token = await mintToken(parseConfig(settings), { sub: 'alice', tenant: 'acme' }, NOW_S)
    expect(decodeJwt(token)).toStrictEqual({
      'https://cube.dev/': { sub: 'alice', tenant: 'acme' },
      aud: 'cube-api',
      iss: 'https://login.example.com/',
      sub: 'front-end',
      iat: NOW_S,
      exp: NOW_S + 86_400,
    })
    expect(contextOf(await authorize(settings, token))).toStrictEqual({ sub: 'alice', tenant: 'acme' })
  })

  it('signs with the first of CUBEJS_API_SECRETS (put the new secret first to start signing with it)', async () => {
    const settings = { CUBEJS_API_SECRETS: 'new-secret-81c4e0-0123456789abcdef0123456789abcdef0123456789abcd, old-secret-5d2a77-0123456789abcdef0123456789abcdef0123456789abcd' }
    const token = await mintToken(parseConfig(settings), { sub: 'alice' }, NOW_S)
    const withNewOnly = await authorize({ CUBEJS_API_SECRET: 'new-secret-81c4e0-0123456789abcdef0123456789abcdef0123456789abcd' }, token)
    expect(withNewOnly).toMatchObject({ principalId: 'alice' })
    await expect(authorize({ CUBEJS_API_SECRET: 'old-secret-5d2a77-0123456789abcdef0123456789abcdef0123456789abcd' }, token)).rejects.toThrow('Unauthorized')
  })

  it('uses an algorithm that CUBEJS_JWT_ALGS allows', async () => {
    const settings = { CUBEJS_API_SECRET: SECRET, CUBEJS_JWT_ALGS: 'HS512' }
    const token = await mintToken(parseConfig(settings), { sub: 'alice' }, NOW_S)
    expect(decodeProtectedHeader(token).alg).toBe('HS512')
    expect(await authorize(settings, token)).toMatchObject({ principalId: 'alice' })
  })

  it('never lets user claims stretch the lifetime or replace the issue time', async () => {
    const token = await mintToken(parseConfig({ CUBEJS_API_SECRET: SECRET }), { sub: 'alice', exp: NOW_S + 10 ** 9, iat: 1 }, NOW_S)
    expect(decodeJwt(token)).toMatchObject({ iat: NOW_S, exp: NOW_S + 86_400 })
  })

  it('refuses to sign when the settings verify with public keys, naming the setting', async () => {
    const { publicKey } = await generateKeyPair('RS256')
    const pem = await exportSPKI(publicKey)
    for (const [settings, setting] of [
      [{ CUBEJS_JWT_KEY: pem }, 'CUBEJS_JWT_KEY'],
      [{ CUBEJS_JWK_URL: 'https://idp.example.com/.well-known/jwks.json', AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }, 'CUBEJS_JWK_URL'],
    ] as const) {
      let error: unknown
      try {
        signingKeyOf(parseConfig(settings))
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(AuthorizerError)
      expect(error).toMatchObject({ code: 'config_invalid', setting })
    }
  })
})
