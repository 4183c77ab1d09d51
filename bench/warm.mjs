// Goals 1 and 2 (run as a child): warm invocation, event to result, against the raw node:crypto limit and the peers;
// and a JWKS-URL key against the same key given statically.
import { constants, createHmac, timingSafeEqual, verify, webcrypto } from 'node:crypto'
import { JwtVerifier } from 'aws-jwt-verify'
import { importSPKI, jwtVerify } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { ALGS, ISSUER, LAMBDA_CONTEXT, makeKeys, tokenEvent, tokenFor } from './lib/fixtures.mjs'
import { childMain, clearAuthorizerEnv, discardStdout, loadHandler } from './lib/env.mjs'
import { asyncBatch, interleaved, syncBatch } from './lib/stats.mjs'

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }

/**
 * The limit: what any honest verifier must do at least. Split, decode and parse header and payload, check alg against
 * the expected one, verify the signature with a pre-built KeyObject (HMAC compared in constant time), check exp.
 */
export function rawVerify(token, alg, key) {
  const parts = token.split('.')
  if (parts.length !== 3) throw new Error('malformed')
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'))
  if (header.alg !== alg) throw new Error('alg')
  const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  const data = Buffer.from(token.slice(0, parts[0].length + 1 + parts[1].length), 'ascii')
  const signature = Buffer.from(parts[2], 'base64url')
  let ok
  switch (alg) {
    case 'HS256': {
      const mac = createHmac('sha256', key).update(data).digest()
      ok = mac.length === signature.length && timingSafeEqual(mac, signature)
      break
    }
    case 'RS256': ok = verify('sha256', data, key, signature); break
    case 'PS256': ok = verify('sha256', data, { key, ...PSS }, signature); break
    case 'ES256': ok = verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature); break
    case 'EdDSA': ok = verify(null, data, key, signature); break
    default: throw new Error('alg')
  }
  if (!ok) throw new Error('signature')
  if (typeof payload.exp === 'number' && payload.exp <= Date.now() / 1000) throw new Error('expired')
  return payload
}

const tampered = (token) => `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`

function expectAllow(result, who) {
  const effect = result?.policyDocument?.Statement?.[0]?.Effect
  if (effect !== 'Allow') throw new Error(`${who}: expected Allow, got ${JSON.stringify(result)}`)
}

async function expectReject(fn, who) {
  try {
    await fn()
  } catch {
    return
  }
  throw new Error(`${who} accepted a tampered token`)
}

const staticEnv = (entry) =>
  entry.alg === 'HS256'
    ? { CUBEJS_API_SECRET: entry.secret, CUBEJS_JWT_ISSUER: ISSUER }
    : { CUBEJS_JWT_KEY: entry.pem, CUBEJS_JWT_ISSUER: ISSUER }

/** Each candidate is checked on a valid and on a tampered token before it is timed. */
async function candidatesFor(entry, distDir) {
  const { alg } = entry
  const token = tokenFor(entry)
  const bad = tampered(token)
  const event = tokenEvent(token)
  const rawKey = alg === 'HS256' ? entry.key : entry.publicKey
  const loaded = await loadHandler(distDir, staticEnv(entry), `warm-${alg}`)
  const calls = { count: 0 }
  const handler = (event, context) => {
    calls.count += 1
    return loaded(event, context)
  }
  const joseKey = alg === 'HS256'
    ? await webcrypto.subtle.importKey('raw', Buffer.from(entry.secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    : await importSPKI(entry.pem, alg)
  const joseOptions = { algorithms: [alg], issuer: ISSUER }
  const candidates = []
  const add = async (name, batch, check, reject) => {
    await check()
    await expectReject(reject, name)
    candidates.push({ name, batch })
  }
  await add('raw node:crypto', syncBatch(() => rawVerify(token, alg, rawKey)), () => rawVerify(token, alg, rawKey), () => rawVerify(bad, alg, rawKey))
  await add('ours (handler)', asyncBatch(() => handler(event, LAMBDA_CONTEXT)),
    async () => expectAllow(await handler(event, LAMBDA_CONTEXT), 'ours'), () => handler(tokenEvent(bad), LAMBDA_CONTEXT))
  await add('jose jwtVerify', asyncBatch(() => jwtVerify(token, joseKey, joseOptions)), () => jwtVerify(token, joseKey, joseOptions), () => jwtVerify(bad, joseKey, joseOptions))
  if (alg !== 'EdDSA') {
    // As Cube calls it: the secret string or PEM text, verified on every call.
    const material = alg === 'HS256' ? entry.secret : entry.pem
    const options = { algorithms: [alg], issuer: ISSUER }
    await add('jsonwebtoken', syncBatch(() => jsonwebtoken.verify(token, material, options)),
      () => jsonwebtoken.verify(token, material, options), () => jsonwebtoken.verify(bad, material, options))
  }
  if (alg !== 'HS256' && alg !== 'PS256') {
    // With an issuer its KeyObject cache is used (issuer: null would re-import the JWK on every call).
    const verifier = JwtVerifier.create({ issuer: ISSUER, audience: null, jwksUri: 'https://auth.example.com/.well-known/jwks.json' })
    verifier.cacheJwks({ keys: [entry.jwk] })
    await add('aws-jwt-verify', syncBatch(() => verifier.verifySync(token)), () => verifier.verifySync(token), () => verifier.verifySync(bad))
  }
  return { candidates, calls }
}

childMain(async ({ distDir, supportDir, rounds, targetMs }) => {
  clearAuthorizerEnv()
  const sink = discardStdout()
  const keys = makeKeys()
  const peers = {}
  for (const alg of ALGS) {
    const { candidates, calls } = await candidatesFor(keys[alg], distDir)
    const writesBefore = sink.writes
    const callsBefore = calls.count
    const results = await interleaved(candidates, { baseline: 'raw node:crypto', rounds, targetMs })
    peers[alg] = Object.fromEntries([...results].map(([name, r]) => [name, r]))
    peers[alg].logLines = { lines: sink.writes - writesBefore, invocations: calls.count - callsBefore }
  }

  // Goal 2: the same key, given statically (the JWKS document in CUBEJS_JWT_KEY, so key choice is identical) or by URL.
  const { startJwksServer } = await import(`${supportDir}/jwks-server.mjs`)
  const jwksAlgs = ['RS256', 'ES256', 'EdDSA']
  const server = await startJwksServer({ keys: { keys: jwksAlgs.map((alg) => keys[alg].jwk) }, headers: { 'cache-control': 'max-age=600' } })
  const jwks = {}
  try {
    for (const alg of jwksAlgs) {
      const entry = keys[alg]
      const event = tokenEvent(tokenFor(entry))
      const staticHandler = await loadHandler(distDir, { CUBEJS_JWT_KEY: JSON.stringify({ keys: [entry.jwk] }), CUBEJS_JWT_ISSUER: ISSUER }, `static-${alg}`)
      const urlHandler = await loadHandler(distDir, { CUBEJS_JWK_URL: server.url, CUBEJS_JWT_ISSUER: ISSUER }, `jwks-${alg}`)
      expectAllow(await staticHandler(event, LAMBDA_CONTEXT), 'static')
      expectAllow(await urlHandler(event, LAMBDA_CONTEXT), 'jwks url') // warms the cache: the one fetch
      const fetchesBefore = server.requests
      const results = await interleaved(
        [
          { name: 'static key', batch: asyncBatch(() => staticHandler(event, LAMBDA_CONTEXT)) },
          { name: 'JWKS URL', batch: asyncBatch(() => urlHandler(event, LAMBDA_CONTEXT)) },
        ],
        { baseline: 'static key', rounds, targetMs },
      )
      jwks[alg] = { ...Object.fromEntries(results), fetchesDuringTiming: server.requests - fetchesBefore }
    }
    jwks.totalFetches = server.requests
  } finally {
    await server.close()
  }
  return { peers, jwks }
})
