// Keys, tokens and API Gateway events for the bench, minted with node:crypto (jose verifies them in the warm section).
import { constants, createHmac, createSecretKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto'

export const ISSUER = 'https://auth.example.com/'
export const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/whoami'
export const ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA']

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

function keyPair(type, options) {
  const { privateKey, publicKey } = generateKeyPairSync(type, options)
  return { privateKey, publicKey, pem: publicKey.export({ type: 'spki', format: 'pem' }) }
}

/** One key per family; RS256 and PS256 share the RSA key, as a deployment with CUBEJS_JWT_KEY=<RSA PEM> would. */
export function makeKeys() {
  const secret = `bench-${randomBytes(24).toString('hex')}`
  const rsa = keyPair('rsa', { modulusLength: 2048 })
  const ec = keyPair('ec', { namedCurve: 'P-256' })
  const ed = keyPair('ed25519')
  const asym = (pair, alg, kid) => ({ alg, kid, ...pair, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } })
  return {
    HS256: { alg: 'HS256', kid: 'hs-1', secret, key: createSecretKey(Buffer.from(secret, 'utf8')) },
    RS256: asym(rsa, 'RS256', 'rs-1'),
    PS256: asym(rsa, 'PS256', 'ps-1'),
    ES256: asym(ec, 'ES256', 'es-1'),
    EdDSA: asym(ed, 'EdDSA', 'ed-1'),
  }
}

export function signJws(alg, key, header, payload) {
  const input = `${b64url({ ...header, alg })}.${b64url(payload)}`
  const data = Buffer.from(input)
  let signature
  switch (alg) {
    case 'HS256': signature = createHmac('sha256', key).update(data).digest(); break
    case 'RS256': signature = sign('sha256', data, key); break
    case 'PS256': signature = sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }); break
    case 'ES256': signature = sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }); break
    case 'EdDSA': signature = sign(null, data, key); break
    default: throw new Error(`unsupported ${alg}`)
  }
  return `${input}.${signature.toString('base64url')}`
}

/** A Cube-like payload: subject, issuer, lifetime and a few security-context claims. */
export function claims(extra = {}) {
  const now = Math.floor(Date.now() / 1000)
  return { sub: 'user-42', iss: ISSUER, iat: now, exp: now + 3600, tenant: 'acme', role: 'analyst', ...extra }
}

export function tokenFor(entry, extraClaims = {}, header = {}) {
  const key = entry.alg === 'HS256' ? entry.key : entry.privateKey
  return signJws(entry.alg, key, { typ: 'JWT', kid: entry.kid, ...header }, claims(extraClaims))
}

/** REST API TOKEN authorizer event, as API Gateway sends it. */
export const tokenEvent = (token) => ({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN })

export const LAMBDA_CONTEXT = Object.freeze({ awsRequestId: 'bench-request', functionName: 'authorizer' })
