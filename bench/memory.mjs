// Goal 4 (run as a child with --expose-gc): heap after 100 000 steady warm invocations and after a random-kid flood.
import { randomBytes } from 'node:crypto'
import { get } from 'node:http'
import { ISSUER, LAMBDA_CONTEXT, makeKeys, signJws, claims, tokenEvent, tokenFor } from './lib/fixtures.mjs'
import { childMain, clearAuthorizerEnv, discardStdout, loadHandler } from './lib/env.mjs'

const plainGet = (url) =>
  new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => response.resume().on('end', resolve)).on('error', reject)
  })

function heapAfterGc() {
  for (let i = 0; i < 3; i += 1) globalThis.gc()
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage()
  return { heapUsed, rss, external, arrayBuffers }
}

childMain(async ({ distDir, supportDir, invocations, floodInvocations }) => {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
  clearAuthorizerEnv()
  discardStdout()
  const keys = makeKeys()
  const hs = keys.HS256
  const { startJwksServer } = await import(`${supportDir}/jwks-server.mjs`)
  const server = await startJwksServer({ keys: { keys: [keys.RS256.jwk] }, headers: { 'cache-control': 'max-age=600' } })
  try {
    const steady = await loadHandler(distDir, { CUBEJS_API_SECRET: hs.secret, CUBEJS_JWT_ISSUER: ISSUER }, 'memory-static')
    // A 1 s kid-miss cooldown (instead of 30 s) lets the flood outlast several cooldowns: refetches happen and must not leak.
    const jwks = await loadHandler(distDir, { CUBEJS_JWK_URL: server.url, CUBEJS_JWT_ISSUER: ISSUER, AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true', AUTHORIZER_JWKS_COOLDOWN_SECONDS: '1' }, 'memory-jwks')
    // Every steady token is distinct (own jti and sub), so a per-token cache or log buffer would show up as growth.
    let serial = 0
    const steadyEvent = () => {
      serial += 1
      return tokenEvent(signJws('HS256', hs.key, { typ: 'JWT' }, claims({ sub: `user-${serial}`, jti: `${serial}` })))
    }
    // Random kids on a validly signed token: each must be refused without a fetch per token and without a trace in memory.
    const rsToken = tokenFor(keys.RS256)
    const [, payload, signature] = rsToken.split('.')
    const floodEvent = () => {
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: randomBytes(12).toString('hex') })).toString('base64url')
      return tokenEvent(`${header}.${payload}.${signature}`)
    }
    const outcomes = { allow: 0, unauthorized: 0, other: 0 }
    const invoke = async (handler, event) => {
      try {
        const result = await handler(event, LAMBDA_CONTEXT)
        if (result?.policyDocument?.Statement?.[0]?.Effect === 'Allow') outcomes.allow += 1
        else outcomes.other += 1
      } catch (error) {
        if (error instanceof Error && error.message === 'Unauthorized') outcomes.unauthorized += 1
        else outcomes.other += 1
      }
    }
    const phase = async (handler, makeEvent, count) => {
      for (let i = 0; i < count; i += 1) await invoke(handler, makeEvent())
    }
    // Warm both handlers (first JWKS fetch, JIT of both paths) before the baseline.
    await phase(steady, steadyEvent, 5000)
    await invoke(jwks, tokenEvent(rsToken))
    await phase(jwks, floodEvent, 5000)
    // Node's own HTTP client and server code is JIT-compiled gradually as fetches happen (about one per cooldown here);
    // a heap snapshot diff showed that growth to be feedback vectors and baseline code, not data. Warming that code
    // up front keeps this one-time growth out of the comparison; our fetch path still runs in the flood.
    for (let i = 0; i < 300; i += 1) await plainGet(server.url)
    const fetchesAfterWarmup = server.requests
    const baseline = heapAfterGc()
    await phase(steady, steadyEvent, invocations / 2)
    const afterHalfSteady = heapAfterGc()
    await phase(steady, steadyEvent, invocations / 2)
    const afterSteady = heapAfterGc()
    const floodStarted = performance.now()
    await phase(jwks, floodEvent, floodInvocations / 2)
    const afterHalfFlood = heapAfterGc()
    await phase(jwks, floodEvent, floodInvocations / 2)
    const floodSeconds = (performance.now() - floodStarted) / 1000
    const afterFlood = heapAfterGc()
    const floodFetches = server.requests - fetchesAfterWarmup
    return { invocations, floodInvocations, baseline, afterHalfSteady, afterSteady, afterHalfFlood, afterFlood, floodFetches, floodSeconds, outcomes }
  } finally {
    await server.close()
  }
})
