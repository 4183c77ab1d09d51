// Goal 6 (run as a child): many fresh module instances of the bundle cold-start at once against a rate-limited SSM
// server in the parent process; each serves its first request. Reports outcome and latency per instance.
import { createSecretKey } from 'node:crypto'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { childMain, clearAuthorizerEnv } from './lib/env.mjs'
import { claims, LAMBDA_CONTEXT, signJws, tokenEvent } from './lib/fixtures.mjs'

childMain(async ({ distDir, env, instances, secret, tag }) => {
  clearAuthorizerEnv()
  // Log lines are counted by message (ssm_throttled, ssm_load, decision), not written.
  const messages = {}
  process.stdout.write = (chunk) => {
    for (const line of String(chunk).split('\n')) {
      if (line === '') continue
      let message = 'other output'
      try {
        message = JSON.parse(line).message ?? 'other output'
      } catch {
        // not a JSON log line; counted as other output
      }
      messages[message] = (messages[message] ?? 0) + 1
    }
    return true
  }
  // Set once for all instances: each reads the environment when it is evaluated, which happens after the import starts.
  Object.assign(process.env, env)
  const event = tokenEvent(signJws('HS256', createSecretKey(Buffer.from(secret, 'utf8')), { typ: 'JWT' }, claims()))
  const url = pathToFileURL(join(distDir, 'authorizer.mjs')).href
  const started = performance.now()
  const results = await Promise.all(
    Array.from({ length: instances }, async (_, i) => {
      const t0 = performance.now()
      const { handler } = await import(`${url}?burst=${tag}-${i}`)
      let outcome
      try {
        const result = await handler(event, LAMBDA_CONTEXT)
        outcome = result?.policyDocument?.Statement?.[0]?.Effect === 'Allow' ? 'allowed' : 'other'
      } catch (error) {
        outcome = error instanceof Error ? error.message : 'other'
      }
      return { outcome, startMs: t0 - started, latencyMs: performance.now() - t0 }
    }),
  )
  return { results, wallMs: performance.now() - started, messages }
})
