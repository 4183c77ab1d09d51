#!/usr/bin/env node
// Mints a token: HS* with CUBEJS_API_SECRET as Cube's docs do, or RS256/ES256/EdDSA with a dev key pair (npm run dev:jwks).
import { importJWK, SignJWT } from 'jose'
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { DEV_ALGS, DEV_AUDIENCE, DEV_ISSUER, DEV_KEYS_DIR, devKey } from './dev-keys.mjs'

const usage = `Usage: npm run -s token -- [--sub <subject>] [--claims '<json object>'] [--namespace <claims namespace>]
                           [--expires-in <30d|12h|900s|never>] [--aud <audience>] [--iss <issuer>]
                           [--alg HS256|HS384|HS512|RS256|ES256|EdDSA]
HS*: signs with CUBEJS_API_SECRET (or the first of CUBEJS_API_SECRETS). RS256, ES256, EdDSA: signs with a development
key pair made on first use in ${DEV_KEYS_DIR}/ (kid in the header; iss ${DEV_ISSUER} and aud ${DEV_AUDIENCE} unless
--iss/--aud say otherwise); \`npm run dev:jwks\` serves its public keys. Prints the token.
       npm run -s token -- --generate-secret   prints a new random 64-character secret for CUBEJS_API_SECRET.`

function fail(message) {
  process.stderr.write(`${message}\n\n${usage}\n`)
  process.exit(2)
}

let values
try {
  ;({ values } = parseArgs({
    options: {
      sub: { type: 'string' },
      claims: { type: 'string', default: '{}' },
      namespace: { type: 'string' },
      'expires-in': { type: 'string', default: '1d' },
      aud: { type: 'string' },
      iss: { type: 'string' },
      alg: { type: 'string', default: 'HS256' },
      'generate-secret': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }))
} catch (error) {
  fail(error.message)
}
if (values['generate-secret']) {
  // 64 base64url characters; the authorizer uses a secret's UTF-8 bytes, so 64 bytes: enough for HS512 (RFC 7518 §3.2).
  process.stdout.write(`${randomBytes(48).toString('base64url')}\n`)
  process.exit(0)
}
if (values.help) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}

const HMAC_ALGS = ['HS256', 'HS384', 'HS512']
if (![...HMAC_ALGS, ...DEV_ALGS].includes(values.alg)) fail(`--alg must be one of ${[...HMAC_ALGS, ...DEV_ALGS].join(', ')}`)
const dev = DEV_ALGS.includes(values.alg)
let signingKey
let kid
if (dev) {
  const jwk = await devKey(values.alg)
  kid = jwk.kid
  signingKey = await importJWK(jwk, values.alg)
} else {
  const secret = process.env.CUBEJS_API_SECRETS?.split(',').map((s) => s.trim()).find((s) => s !== '') ?? process.env.CUBEJS_API_SECRET
  if (!secret) fail('Set CUBEJS_API_SECRET to the secret the authorizer verifies with.')
  signingKey = new TextEncoder().encode(secret)
}

let claims
try {
  claims = JSON.parse(values.claims)
} catch {
  fail('--claims must be JSON')
}
// Cube expects the JWT payload to be an object (see Cube's docs).
if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) fail('--claims must be a JSON object')

const payload = values.namespace ? { [values.namespace]: claims } : { ...claims }
const jwt = new SignJWT(payload).setProtectedHeader({ alg: values.alg, typ: 'JWT', ...(kid && { kid }) }).setIssuedAt()
if (values.sub) jwt.setSubject(values.sub)
// A remote JWKS is only accepted with an issuer and an audience to check, so dev tokens always carry both.
const aud = values.aud ?? (dev ? DEV_AUDIENCE : undefined)
const iss = values.iss ?? (dev ? DEV_ISSUER : undefined)
if (aud) jwt.setAudience(aud)
if (iss) jwt.setIssuer(iss)
if (values['expires-in'] !== 'never') {
  try {
    jwt.setExpirationTime(values['expires-in'])
  } catch {
    fail('--expires-in must look like 30d, 12h, 15m, 900s or never')
  }
}
process.stdout.write(`${await jwt.sign(signingKey)}\n`)
if (dev) process.stderr.write(`token: signed with the dev ${values.alg} key ${kid} (${DEV_KEYS_DIR}/); npm run dev:jwks serves its JWKS\n`)
