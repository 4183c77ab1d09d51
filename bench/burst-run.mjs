// Goal 6, parent side: a rate-limited SSM server (test/support/ssm-server.mjs) here, the cold-starting instances in
// child processes (one per core), all started at once.
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runChild } from './lib/env.mjs'
import { percentile } from './lib/stats.mjs'

const CHILD = fileURLToPath(new URL('./burst.mjs', import.meta.url))

export async function runBurst({ distDir, supportDir, scenarios }) {
  const { startSsmServer } = await import(join(supportDir, 'ssm-server.mjs'))
  const secret = `burst-${'s'.repeat(32)}`
  const processes = Math.max(1, Math.min(2, availableParallelism()))
  const out = []
  for (const { instances, tps, burst } of scenarios) {
    const ssm = await startSsmServer({ parameters: { '/bench/burst/CUBEJS_API_SECRET': secret } })
    try {
      ssm.setFault({ kind: 'rateLimit', tps, burst })
      const env = {
        AUTHORIZER_SSM_PATH: '/bench/burst',
        AWS_ENDPOINT_URL_SSM: ssm.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDBENCHEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
        AWS_EC2_METADATA_DISABLED: 'true',
      }
      const share = Math.ceil(instances / processes)
      const parts = await Promise.all(
        Array.from({ length: processes }, (_, p) =>
          runChild(CHILD, { distDir, env, instances: Math.min(share, instances - p * share), secret, tag: `${tps}-${p}` }, { execArgv: ['--no-warnings'] }),
        ),
      )
      const results = parts.flatMap((part) => part.results)
      const messages = {}
      for (const part of parts) for (const [name, count] of Object.entries(part.messages)) messages[name] = (messages[name] ?? 0) + count
      const byOutcome = {}
      for (const r of results) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1
      const latencies = results.map((r) => r.latencyMs)
      const calls = ssm.callCount('GetParameters')
      const loads = messages.ssm_load ?? 0
      out.push({
        instances, tps, burst, processes,
        allowed: byOutcome.allowed ?? 0,
        failed: results.length - (byOutcome.allowed ?? 0),
        byOutcome,
        p50Ms: percentile(latencies, 50),
        p95Ms: percentile(latencies, 95),
        maxMs: Math.max(...latencies),
        ssmCalls: calls,
        throttledCalls: calls - loads,
        lastStartMs: Math.max(...results.map((r) => r.startMs)),
        messages,
      })
    } finally {
      await ssm.close()
    }
  }
  return out
}
