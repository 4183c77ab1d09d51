#!/usr/bin/env node
// Mints an HS256 token the way Cube's docs do, signed with CUBEJS_API_SECRET: npm run token -- --sub alice --claims '{"tenant":"acme"}'
import { SignJWT } from 'jose'
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'

const usage = `Usage: npm run -s token -- [--sub <subject>] [--claims '<json object>'] [--namespace <claims namespace>]
                           [--expires-in <30d|12h|900s|never>] [--aud <audience>] [--iss <issuer>] [--alg HS256|HS384|HS512]
Signs with CUBEJS_API_SECRET (or the first of CUBEJS_API_SECRETS) and prints the token.
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

const secret = process.env.CUBEJS_API_SECRETS?.split(',').map((s) => s.trim()).find((s) => s !== '') ?? process.env.CUBEJS_API_SECRET
if (!secret) fail('Set CUBEJS_API_SECRET to the secret the authorizer verifies with.')
if (!['HS256', 'HS384', 'HS512'].includes(values.alg)) fail('--alg must be HS256, HS384 or HS512')

let claims
try {
  claims = JSON.parse(values.claims)
} catch {
  fail('--claims must be JSON')
}
// Cube expects the JWT payload to be an object (see Cube's docs).
if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) fail('--claims must be a JSON object')

const payload = values.namespace ? { [values.namespace]: claims } : { ...claims }
const jwt = new SignJWT(payload).setProtectedHeader({ alg: values.alg, typ: 'JWT' }).setIssuedAt()
if (values.sub) jwt.setSubject(values.sub)
if (values.aud) jwt.setAudience(values.aud)
if (values.iss) jwt.setIssuer(values.iss)
if (values['expires-in'] !== 'never') {
  try {
    jwt.setExpirationTime(values['expires-in'])
  } catch {
    fail('--expires-in must look like 30d, 12h, 15m, 900s or never')
  }
}
process.stdout.write(`${await jwt.sign(new TextEncoder().encode(secret))}\n`)
