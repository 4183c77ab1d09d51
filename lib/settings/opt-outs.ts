// The security opt-outs a configuration makes, as the warnings logged once per cold start (and counted by the metrics).
import type { Config } from './config.js'
import { hasWeakHmacKey } from '../jwt/hmac-strength.js'

export interface OptOutWarning {
  readonly message: 'dev_mode' | 'weak_hmac_key' | 'any_issuer' | 'any_audience' | 'foreign_jwks_host'
  readonly detail: string
}

/** Every opt-out the settings make, whether or not it changes an answer today: it is a standing risk either way. */
export function optOutWarnings(config: Config): OptOutWarning[] {
  const warnings: OptOutWarning[] = []
  if (config.devMode) warnings.push({ message: 'dev_mode', detail: 'CUBEJS_DEV_MODE=true: requests without a token are allowed' })
  if (config.allowWeakHmacKey) {
    const weak = config.keySource.kind === 'static' && hasWeakHmacKey(config.keySource.keys)
    warnings.push({ message: 'weak_hmac_key', detail: `AUTHORIZER_ALLOW_WEAK_HMAC_KEY=true: HMAC keys shorter than the hash output verify tokens (RFC 7518 §3.2)${weak ? '; a configured key is that short' : ''}` })
  }
  if (config.allowAnyIssuer) warnings.push({ message: 'any_issuer', detail: 'AUTHORIZER_ALLOW_ANY_ISSUER=true: a remote JWKS accepts tokens of any issuer' })
  if (config.allowAnyAudience) warnings.push({ message: 'any_audience', detail: 'AUTHORIZER_ALLOW_ANY_AUDIENCE=true: a remote JWKS accepts tokens for any audience' })
  if (config.allowForeignJwksHost) warnings.push({ message: 'foreign_jwks_host', detail: "AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST=true: a discovery document may point the keys at a host other than the issuer's" })
  return warnings
}
