// Goals 1 and 2 (run as a child): warm invocation, event to result, against the raw node:crypto limit, peer authorizers
// (and, for information, the peers' bare verify); and a JWKS-URL key against the same key given statically.
import { constants, createHmac, timingSafeEqual, verify, webcrypto } from 'node:crypto'
import { JwtVerifier } from 'aws-jwt-verify'
import { importSPKI, jwtVerify } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { ALGS, ISSUER, LAMBDA_CONTEXT, makeKeys, tokenEvent, tokenFor } from './lib/fixtures.mjs'
import { awsJwtVerifyAuthorizer, jsonwebtokenAuthorizer } from './lib/peer-authorizers.mjs'
import { childMain, clearAuthorizerEnv, discardStdout, loadHandler } from './lib/env.mjs'
import { asyncBatch, interleaved, syncBatch } from './lib/stats.mjs'

const OURS = 'ours (handler)'
// What each peer supports among the bench's algorithms (jsonwebtoken has no EdDSA; aws-jwt-verify no HS* or PS*).
const JSONWEBTOKEN_ALGS = ['HS256', 'RS256', 'PS256', 'ES256']
const AWS_JWT_VERIFY_ALGS = ['RS256', 'ES256', 'EdDSA']
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

/**
 * Each candidate is checked on a valid and on a tampered token before it is timed. Its batches are wrapped to count the
 * stdout lines written while they run (batches run one at a time), so each candidate's log lines are its own.
 */
async function candidatesFor(entry, distDir, sink) {
  const { alg } = entry
  const token = tokenFor(entry)
  const bad = tampered(token)
  const event = tokenEvent(token)
  const badEvent = tokenEvent(bad)
  const rawKey = alg === 'HS256' ? entry.key : entry.publicKey
  const handler = await loadHandler(distDir, staticEnv(entry), `warm-${alg}`)
  const joseKey = alg === 'HS256'
    ? await webcrypto.subtle.importKey('raw', Buffer.from(entry.secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    : await importSPKI(entry.pem, alg)
  const joseOptions = { algorithms: [alg], issuer: ISSUER }
  const candidates = []
  const logLines = {}
  const add = async (name, batch, check, reject) => {
    await check()
    await expectReject(reject, name)
    const counted = { lines: 0, invocations: 0 }
    logLines[name] = counted
    candidates.push({
      name,
      batch: async (n) => {
        const writesBefore = sink.writes
        const perOpNs = await batch(n)
        counted.lines += sink.writes - writesBefore
        counted.invocations += n
        return perOpNs
      },
    })
  }
  // An authorizer candidate: timed on the valid token's event, checked to Allow it and to reject the tampered one.
  const addAuthorizer = (name, authorizer) => add(name, asyncBatch(() => authorizer(event, LAMBDA_CONTEXT)),
    async () => expectAllow(await authorizer(event, LAMBDA_CONTEXT), name), () => authorizer(badEvent, LAMBDA_CONTEXT))

  await add('raw node:crypto', syncBatch(() => rawVerify(token, alg, rawKey)), () => rawVerify(token, alg, rawKey), () => rawVerify(bad, alg, rawKey))
  await addAuthorizer(OURS, handler)

  // As Cube calls jsonwebtoken: the secret string or PEM text, verified on every call.
  const material = alg === 'HS256' ? entry.secret : entry.pem
  const jwtOptions = { algorithms: [alg], issuer: ISSUER }
  // With an issuer aws-jwt-verify's KeyObject cache is used (issuer: null would re-import the JWK on every call).
  let verifier
  if (AWS_JWT_VERIFY_ALGS.includes(alg)) {
    verifier = JwtVerifier.create({ issuer: ISSUER, audience: null, jwksUri: 'https://auth.example.com/.well-known/jwks.json' })
    verifier.cacheJwks({ keys: [entry.jwk] })
  }

  if (JSONWEBTOKEN_ALGS.includes(alg)) {
    await addAuthorizer('jsonwebtoken authorizer', jsonwebtokenAuthorizer({ secretOrPem: material, alg, issuer: ISSUER }))
  }
  if (verifier !== undefined) await addAuthorizer('aws-jwt-verify authorizer', awsJwtVerifyAuthorizer(verifier))

  // Verify only (no event, policy or log line): shown for information.
  await add('jose jwtVerify (verify only)', asyncBatch(() => jwtVerify(token, joseKey, joseOptions)),
    () => jwtVerify(token, joseKey, joseOptions), () => jwtVerify(bad, joseKey, joseOptions))
  if (JSONWEBTOKEN_ALGS.includes(alg)) {
    await add('jsonwebtoken (verify only)', syncBatch(() => jsonwebtoken.verify(token, material, jwtOptions)),
      () => jsonwebtoken.verify(token, material, jwtOptions), () => jsonwebtoken.verify(bad, material, jwtOptions))
  }
  if (verifier !== undefined) {
    await add('aws-jwt-verify (verify only)', syncBatch(() => verifier.verifySync(token)), () => verifier.verifySync(token), () => verifier.verifySync(bad))
  }
  return { candidates, logLines }
}

childMain(async ({ distDir, supportDir, rounds, targetMs, warmupMs }) => {
  clearAuthorizerEnv()
  const sink = discardStdout()
  const keys = makeKeys()
  const peers = {}
  for (const alg of ALGS) {
    const { candidates, logLines } = await candidatesFor(keys[alg], distDir, sink)
    const results = await interleaved(candidates, { baseline: 'raw node:crypto', rounds, targetMs, warmupMs })
    peers[alg] = { results: Object.fromEntries(results), logLines }
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
      const urlHandler = await loadHandler(distDir, { CUBEJS_JWK_URL: server.url, CUBEJS_JWT_ISSUER: ISSUER, AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true' }, `jwks-${alg}`)
      expectAllow(await staticHandler(event, LAMBDA_CONTEXT), 'static')
      expectAllow(await urlHandler(event, LAMBDA_CONTEXT), 'jwks url') // warms the cache: the one fetch
      const fetchesBefore = server.requests
      const results = await interleaved(
        [
          { name: 'static key', batch: asyncBatch(() => staticHandler(event, LAMBDA_CONTEXT)) },
          { name: 'JWKS URL', batch: asyncBatch(() => urlHandler(event, LAMBDA_CONTEXT)) },
        ],
        { baseline: 'static key', rounds, targetMs, warmupMs },
      )
      jwks[alg] = { ...Object.fromEntries(results), fetchesDuringTiming: server.requests - fetchesBefore }
    }
    jwks.totalFetches = server.requests
  } finally {
    await server.close()
  }
  return { peers, jwks }
})
