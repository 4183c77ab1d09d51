// aws-jwt-verify's CognitoJwtVerifier as the reference for Cognito tokens: the same pool URLs, the same answers,
// except for the one stricter rule the authorizer adds (an access token must not name another aud).
import { CognitoJwtVerifier } from 'aws-jwt-verify'
import { beforeAll, describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../lib/authorizer.js'
import { fetchJwks, type JwksFetcher } from '../../lib/jwks/fetch.js'
import { parseCognitoPool } from '../../lib/settings/cognito.js'
import type { JWK } from 'jose'
import { generateJwk, startJwksServer } from '../support/jwks-server.js'
import { capturedLogger, restTokenEvent } from '../support/tokens.js'
import { closedAfterEach } from '../support/closed-after-each.js'
import { PATIENT_JWKS } from '../support/patience.js'
import { CLIENT_ID, cognitoAccessToken, cognitoIdToken, KID, POOL_ID, POOL_JWKS_URL, type CognitoSigner } from '../support/cognito-tokens.js'

const track = closedAfterEach()
let signer: CognitoSigner
let otherSigner: CognitoSigner
let publicJwk: JWK

beforeAll(async () => {
  const mine = await generateJwk('RS256', KID)
  const other = await generateJwk('RS256', KID)
  signer = { privateKey: mine.privateKey, kid: KID }
  otherSigner = { privateKey: other.privateKey, kid: KID }
  publicJwk = mine.publicJwk
})

type Use = 'access' | 'id'
type Mint = (now: number) => Promise<string>

/** Each case: the token, and whether the two may disagree (only where the authorizer is stricter, by design). */
const CASES: ReadonlyArray<{ name: string; use: Use; mint: Mint; stricter?: true }> = [
  { name: 'a valid access token', use: 'access', mint: (now) => cognitoAccessToken(signer, now) },
  { name: 'a valid ID token', use: 'id', mint: (now) => cognitoIdToken(signer, now) },
  { name: 'an ID token where access is required', use: 'access', mint: (now) => cognitoIdToken(signer, now) },
  { name: 'an access token where id is required', use: 'id', mint: (now) => cognitoAccessToken(signer, now) },
  { name: 'an access token of another app client', use: 'access', mint: (now) => cognitoAccessToken(signer, now, { client_id: 'another-client-0000000000' }) },
  { name: 'an access token without client_id', use: 'access', mint: (now) => cognitoAccessToken(signer, now, { client_id: undefined }) },
  { name: 'an ID token for another app client', use: 'id', mint: (now) => cognitoIdToken(signer, now, { aud: 'another-client-0000000000' }) },
  { name: 'an access token of another pool', use: 'access', mint: (now) => cognitoAccessToken(signer, now, { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other1' }) },
  { name: 'an expired access token', use: 'access', mint: (now) => cognitoAccessToken(signer, now, { exp: now - 10, iat: now - 3610 }) },
  { name: 'an access token signed by another key with the same kid', use: 'access', mint: (now) => cognitoAccessToken(otherSigner, now) },
  { name: 'a token_use in another case', use: 'access', mint: (now) => cognitoAccessToken(signer, now, { token_use: 'Access' }) },
  { name: 'an access token that also names another aud', use: 'access', mint: (now) => cognitoAccessToken(signer, now, { aud: 'another-api' }), stricter: true },
]

async function answers(use: Use) {
  const server = track(await startJwksServer({ keys: { keys: [publicJwk] } }))
  const fetcher: JwksFetcher = (url, timeoutMs) => (url === POOL_JWKS_URL ? fetchJwks(server.url, timeoutMs) : Promise.reject(new Error('unexpected URL')))
  const handler = createAuthorizer({
    settings: () => ({ ...PATIENT_JWKS, AUTHORIZER_COGNITO_USER_POOL: POOL_ID, AUTHORIZER_TOKEN_USE: use, CUBEJS_JWT_AUDIENCE: CLIENT_ID }),
    logger: capturedLogger().logger,
    jwksFetcher: fetcher,
  })
  const verifier = CognitoJwtVerifier.create({ userPoolId: POOL_ID, tokenUse: use, clientId: CLIENT_ID })
  verifier.cacheJwks({ keys: [publicJwk as never] })
  return {
    ours: (token: string) => handler(restTokenEvent(`Bearer ${token}`)).then(() => true, () => false),
    theirs: (token: string) => {
      try {
        verifier.verifySync(token)
        return true
      } catch {
        return false
      }
    },
  }
}

describe('Cognito tokens: the authorizer and aws-jwt-verify agree', () => {
  it('derive the same issuer and JWKS URL from a user pool id', () => {
    const ours = parseCognitoPool({ AUTHORIZER_COGNITO_USER_POOL: POOL_ID, AUTHORIZER_TOKEN_USE: 'access' })
    const theirs = CognitoJwtVerifier.parseUserPoolId(POOL_ID)
    expect(ours).toEqual({ issuer: theirs.issuer, jwksUrl: theirs.jwksUri })
  })

  it.each(CASES)('on $name ($use)', async ({ use, mint, stricter }) => {
    const { ours, theirs } = await answers(use)
    const token = await mint(Math.floor(Date.now() / 1000))
    const [a, b] = [await ours(token), theirs(token)]
    if (stricter) expect([a, b]).toEqual([false, true])
    else expect(a).toBe(b)
  })

  it('accept exactly the valid tokens (the cases are not all refusals)', async () => {
    const accepted: string[] = []
    for (const { name, use, mint } of CASES) if ((await answers(use)).theirs(await mint(Math.floor(Date.now() / 1000)))) accepted.push(name)
    expect(accepted).toEqual(['a valid access token', 'a valid ID token', 'an access token that also names another aud'])
  })
})
