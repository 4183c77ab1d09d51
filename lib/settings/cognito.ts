// AUTHORIZER_COGNITO_USER_POOL: the issuer and JWKS URL of an Amazon Cognito user pool, from its id alone.
import { configError } from '../errors.js'
import type { Settings } from './env.js'
import { parseOptional } from './values.js'

const SETTING = 'AUTHORIZER_COGNITO_USER_POOL'
// `<region>_<id>` as the Cognito console shows it, e.g. eu-west-1_AbC123xyZ; the region names the host, so it is
// held to the shape of an AWS region: nothing else can reach the URL.
const POOL_ID = /^([a-z]{2}(?:-[a-z]+)+-\d{1,2})_([0-9A-Za-z]{1,55})$/

export interface CognitoPool {
  readonly issuer: string
  readonly jwksUrl: string
}

/** The pool's issuer (https://cognito-idp.<region>.amazonaws.com/<pool id>) and its /.well-known/jwks.json. */
export function parseCognitoPool(settings: Settings): CognitoPool | undefined {
  const raw = parseOptional(settings.AUTHORIZER_COGNITO_USER_POOL)
  if (raw === undefined) return undefined
  const poolId = raw.trim()
  const match = POOL_ID.exec(poolId)
  if (match === null) throw configError(SETTING, 'must be a user pool id like eu-west-1_AbC123xyZ')
  // Every Cognito token carries token_use: without the check an ID token would pass where an access token is meant.
  if (parseOptional(settings.AUTHORIZER_TOKEN_USE) === undefined) throw configError('AUTHORIZER_TOKEN_USE', `is required with ${SETTING} (access or id)`)
  for (const other of ['CUBEJS_JWK_URL', 'AUTHORIZER_JWK_URLS', 'CUBEJS_JWT_ISSUER', 'AUTHORIZER_OIDC_ISSUER', 'AUTHORIZER_OIDC_ISSUERS'] as const) {
    if (parseOptional(settings[other]) !== undefined) throw configError(SETTING, `cannot be combined with ${other} (the pool sets the issuer and JWKS URL)`)
  }
  const issuer = `https://cognito-idp.${match[1]}.amazonaws.com/${poolId}`
  return Object.freeze({ issuer, jwksUrl: `${issuer}/.well-known/jwks.json` })
}
