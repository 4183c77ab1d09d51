// Mints tokens the authorizer accepts under its own configuration: HMAC secret, algorithm, aud/iss/sub, claims namespace.
import type { KeyObject } from 'node:crypto'
import { SignJWT } from 'jose'
import type { Config } from '../settings/config.js'
import { configError } from '../errors.js'
import type { SecurityContext } from '../security-context.js'

/** Cube's docs sign with `expiresIn: '1d'`. */
export const TOKEN_LIFETIME_SECONDS = 86_400

export interface SigningKey {
  readonly key: KeyObject
  readonly kid: string | undefined
  readonly alg: string
}

/** The first HMAC secret (the first of CUBEJS_API_SECRETS: put the new secret first to start signing with it). */
export function signingKeyOf(config: Config): SigningKey {
  const source = config.keySource
  const secret = source.kind === 'static' ? source.keys.find((key) => key.key.type === 'secret') : undefined
  // Public keys verify tokens that an identity provider signs; a token endpoint has nothing to sign them with.
  if (secret === undefined)
    throw configError(source.kind === 'static' ? source.setting : 'CUBEJS_JWK_URL', 'the token endpoint signs with an HMAC secret: set CUBEJS_API_SECRET or CUBEJS_API_SECRETS')
  const alg = config.algorithms.includes('HS256') ? 'HS256' : config.algorithms.find((a) => secret.algorithms.includes(a))
  if (alg === undefined) throw configError('CUBEJS_JWT_ALGS', 'allows no HMAC algorithm for the token endpoint to sign with')
  return { key: secret.key, kid: secret.kid, alg }
}

/** The user's claims as payload (under the claims namespace when one is set), plus the registered claims the settings demand. */
export async function mintToken(config: Config, user: SecurityContext, nowSeconds: number, lifetimeSeconds = TOKEN_LIFETIME_SECONDS): Promise<string> {
  const { key, kid, alg } = signingKeyOf(config)
  const payload = config.claimsNamespace === undefined ? { ...user } : { [config.claimsNamespace]: user }
  const jwt = new SignJWT(payload)
    .setProtectedHeader(kid === undefined ? { alg, typ: 'JWT' } : { alg, typ: 'JWT', kid })
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + lifetimeSeconds)
  if (config.audience !== undefined) jwt.setAudience(config.audience)
  const issuer = config.issuers?.[0]
  if (issuer !== undefined) jwt.setIssuer(issuer)
  const subject = config.subject ?? (typeof user.sub === 'string' ? user.sub : undefined)
  if (subject !== undefined) jwt.setSubject(subject)
  return jwt.sign(key)
}
