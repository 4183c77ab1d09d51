// Tokens shaped exactly like Amazon Cognito's: header {kid, alg: RS256} (no typ), and the claims Cognito issues.
import { randomUUID } from 'node:crypto'
import { SignJWT, type CryptoKey } from 'jose'

export const REGION = 'eu-west-1'
export const POOL_ID = `${REGION}_AbC123xyZ`
export const POOL_ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`
export const POOL_JWKS_URL = `${POOL_ISSUER}/.well-known/jwks.json`
export const CLIENT_ID = '7g4ccd3jm5qk1s0q0q7nkt2c3d'
/** Cognito's kids are base64 text of a key hash, with + / = in them. */
export const KID = 'XnVz0ZcR7+pX1c/2bAJfTqk0y7r5mK9hQm1wE3sUo0A='

export interface CognitoSigner {
  readonly privateKey: CryptoKey
  readonly kid: string
}

const sign = (claims: Record<string, unknown>, signer: CognitoSigner) =>
  new SignJWT(claims).setProtectedHeader({ kid: signer.kid, alg: 'RS256' }).sign(signer.privateKey)

/** An access token as Cognito's token endpoint returns it (user pool token version 2). */
export function cognitoAccessToken(signer: CognitoSigner, nowSeconds: number, overrides: Record<string, unknown> = {}): Promise<string> {
  return sign({
    sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
    'cognito:groups': ['analysts', 'admins'],
    iss: POOL_ISSUER,
    version: 2,
    client_id: CLIENT_ID,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'access',
    scope: 'openid profile email',
    auth_time: nowSeconds - 60,
    exp: nowSeconds + 3600,
    iat: nowSeconds - 60,
    jti: randomUUID(),
    username: 'alice',
    ...overrides,
  }, signer)
}

/** An ID token of the same sign-in: aud is the app client, and the user's attributes are claims. */
export function cognitoIdToken(signer: CognitoSigner, nowSeconds: number, overrides: Record<string, unknown> = {}): Promise<string> {
  return sign({
    sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
    'cognito:groups': ['analysts', 'admins'],
    email_verified: true,
    iss: POOL_ISSUER,
    'cognito:username': 'alice',
    origin_jti: randomUUID(),
    aud: CLIENT_ID,
    event_id: randomUUID(),
    token_use: 'id',
    auth_time: nowSeconds - 60,
    exp: nowSeconds + 3600,
    iat: nowSeconds - 60,
    jti: randomUUID(),
    email: 'alice@example.com',
    ...overrides,
  }, signer)
}
