// Goal 3: cold start as whole-process wall time (spawn to exit) of a fresh node importing the bundle, against an empty
// handler, interleaved; and the first decision after a cold start with SSM and JWKS on loopback.
import { spawn } from 'node:child_process'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ISSUER, makeKeys, tokenEvent, tokenFor } from './lib/fixtures.mjs'
import { median } from './lib/stats.mjs'

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))
const epochNow = () => performance.timeOrigin + performance.now()

const AWS_ENV = (ssmUrl) => ({
  AWS_ENDPOINT_URL_SSM: ssmUrl,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCHEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
  AWS_EC2_METADATA_DISABLED: 'true',
})

/**
 * A minimal environment, as a Lambda container has: PATH plus what the row sets. Inheriting the shell's would add its
 * NODE_OPTIONS or NODE_EXTRA_CA_CERTS (on this machine the latter alone adds ~60 ms of certificate parsing to every
 * process start, which Lambda's Node 18+ runtimes do not do by default) and hide the bundle's cost behind it.
 */
function cleanEnv(extra) {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra }
}

/** Wall ms from spawn to exit, and the child's own CPU ms (reported by the launcher on fd 3). */
function timedSpawn(node, args, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(node, args, { env, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] })
    let cpu = ''
    child.stdio[3].on('data', (chunk) => (cpu += chunk))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve({ wallMs: performance.now() - started, cpuMs: Number(cpu.trim()) }) : reject(new Error(`${args.join(' ')} exited ${code}`)),
    )
  })
}

function runCapture(node, args, env) {
  return new Promise((resolve, reject) => {
    // stderr is kept only to explain a failure (on Node < 22 the SDK prints its NodeVersionSupportWarning on every
    // cold start; Lambda's nodejs22.x and nodejs24.x do not).
    const child = spawn(node, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (err += chunk))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`))))
  })
}

/** `node`: the Node binary every child runs on (the bench's own by default; `--cold-node` picks another). */
export async function runCold({ distDir, supportDir, sdkOnly, rounds, firstDecisionRuns, node = process.execPath }) {
  const { startSsmServer } = await import(join(supportDir, 'ssm-server.mjs'))
  const { startJwksServer } = await import(join(supportDir, 'jwks-server.mjs'))
  const keys = makeKeys()
  const bundle = join(distDir, 'authorizer.mjs')
  const launcher = join(FIXTURES, 'cold-import.mjs')
  const ssm = await startSsmServer({ parameters: { '/bench/cold/CUBEJS_API_SECRET': keys.HS256.secret } })
  const ssmEnv = cleanEnv({ AUTHORIZER_SSM_PATH: '/bench/cold', ...AWS_ENV(ssm.url) })
  const empty = join(FIXTURES, 'empty-handler.mjs')
  const sdkChunks = await chunksLoadedWithSsm(node, launcher, bundle, ssmEnv, distDir)
  // Rows ending by themselves are compared with the empty handler ending by itself; rows that exit at a point
  // (process.exit) with the empty handler exiting the same way, so the ratio is never flattered by teardown.
  const variants = [
    { name: 'empty handler', args: [launcher, empty], env: cleanEnv({}) },
    { name: 'empty handler, exit', args: [launcher, empty, 'exit'], env: cleanEnv({}) },
    { name: 'no SSM', args: [launcher, bundle], env: cleanEnv({ CUBEJS_API_SECRET: keys.HS256.secret }), base: 'empty handler' },
    // Lambda's init duration: the SSM load has started, not finished (no top-level await).
    { name: 'SSM: import only', args: [launcher, bundle, 'exit'], env: ssmEnv, base: 'empty handler, exit' },
    // The goal's measure: the bundle imported and the lazily imported SDK chunks (those an SSM cold start loads) evaluated.
    { name: 'SSM: import + SDK chunk loaded', args: [launcher, bundle, 'exit', ...sdkChunks], env: ssmEnv, base: 'empty handler, exit' },
    // Stricter: the process ends by itself once the one GetParameters call has been answered (loopback server).
    { name: 'SSM: until settings loaded', args: [launcher, bundle], env: ssmEnv, base: 'empty handler' },
    // References, no verdict: the floors under the two goals, measured in the same rounds.
    { name: 'reference: node:crypto only', args: [launcher, join(FIXTURES, 'crypto-only-handler.mjs')], env: cleanEnv({}), base: 'empty handler' },
    { name: 'reference: SDK client only', args: [launcher, sdkOnly, 'exit'], env: cleanEnv({}), base: 'empty handler, exit' },
  ]
  const times = new Map(variants.map((v) => [v.name, []]))
  const cpuTimes = new Map(variants.map((v) => [v.name, []]))
  const ssmCalls = new Map(variants.map((v) => [v.name, 0]))
  try {
    for (const v of variants) await timedSpawn(node, v.args, v.env) // warm the OS file cache
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? variants : [...variants].reverse()
      for (const v of order) {
        const before = ssm.callCount('GetParameters')
        const { wallMs, cpuMs } = await timedSpawn(node, v.args, v.env)
        times.get(v.name).push(wallMs)
        cpuTimes.get(v.name).push(cpuMs)
        ssmCalls.set(v.name, ssmCalls.get(v.name) + ssm.callCount('GetParameters') - before)
      }
    }
    const cold = variants.map(({ name, base }) => {
      const t = times.get(name)
      const baseTimes = times.get(base ?? name)
      const ratios = t.map((ms, i) => ms / baseTimes[i])
      const cpu = cpuTimes.get(name)
      const baseCpu = cpuTimes.get(base ?? name)
      const cpuRatios = cpu.map((ms, i) => ms / baseCpu[i])
      return {
        name, base: base ?? null, medianMs: median(t), ratios, medianRatio: median(ratios),
        medianCpuMs: median(cpu), medianCpuRatio: median(cpuRatios), ssmCallsPerRun: ssmCalls.get(name) / rounds,
      }
    })
    const firstDecision = await runFirstDecisions({ node, distDir, keys, ssm, startJwksServer, runs: firstDecisionRuns })
    return { cold, sdkChunks: sdkChunks.map((file) => file.slice(distDir.length + 1)), firstDecision }
  } finally {
    await ssm.close()
  }
}

/** The chunk files an SSM cold start really loads, recorded by loader hooks in one run (whatever the chunk layout). */
export async function chunksLoadedWithSsm(node, launcher, bundle, ssmEnv, distDir) {
  const log = join(tmpdir(), `bench-loaded-${process.pid}.txt`)
  await rm(log, { force: true })
  await timedSpawn(node, ['--import', join(FIXTURES, 'register-loaded.mjs'), launcher, bundle], { ...ssmEnv, BENCH_LOADED_LOG: log })
  const chunkDir = `${new URL(`file://${join(distDir, 'chunks')}/`).href}`
  const urls = (await readFile(log, 'utf8')).split('\n').filter((url) => url.startsWith(chunkDir))
  await rm(log, { force: true })
  if (urls.length === 0) throw new Error('an SSM cold start loaded no chunk: is the SDK still lazily imported?')
  return [...new Set(urls)].map((url) => fileURLToPath(url))
}

/** Server-side arrival and finish times of every request, by listening port, from node's own HTTP diagnostics. */
function recordRequests() {
  const events = []
  const portOf = (server) => server?.address()?.port
  const onStart = ({ server }) => events.push({ port: portOf(server), kind: 'start', at: epochNow() })
  const onFinish = ({ server }) => events.push({ port: portOf(server), kind: 'finish', at: epochNow() })
  subscribe('http.server.request.start', onStart)
  subscribe('http.server.response.finish', onFinish)
  return { events, stop: () => { unsubscribe('http.server.request.start', onStart); unsubscribe('http.server.response.finish', onFinish) } }
}

async function runFirstDecisions({ node, distDir, keys, ssm, startJwksServer, runs }) {
  const jwks = await startJwksServer({ keys: { keys: [keys.RS256.jwk] } })
  const ssmPort = Number(new URL(ssm.url).port)
  const jwksPort = Number(new URL(jwks.origin).port)
  ssm.setParameter('/bench/first/CUBEJS_JWT_ISSUER', ISSUER)
  const event = JSON.stringify(tokenEvent(tokenFor(keys.RS256)))
  const results = []
  try {
    for (let run = 0; run < runs; run += 1) {
      const ssmBefore = ssm.callCount('GetParameters')
      const jwksBefore = jwks.requests
      const recorder = recordRequests()
      const env = cleanEnv({ AUTHORIZER_SSM_PATH: '/bench/first', CUBEJS_JWK_URL: jwks.url, AUTHORIZER_ALLOW_ANY_ISSUER: 'true', AUTHORIZER_ALLOW_ANY_AUDIENCE: 'true', BENCH_EVENT: event, ...AWS_ENV(ssm.url) })
      const out = await runCapture(node, [join(FIXTURES, 'first-decision.mjs'), join(distDir, 'authorizer.mjs')], env)
      recorder.stop()
      const report = JSON.parse(out.split('\n').find((line) => line.startsWith('@@bench ')).slice(8))
      const rel = (port, kind) => recorder.events.filter((e) => e.port === port && e.kind === kind).map((e) => e.at - report.timeOrigin)
      const [ssmStart] = rel(ssmPort, 'start')
      const [ssmFinish] = rel(ssmPort, 'finish')
      const [jwksStart] = rel(jwksPort, 'start')
      const [jwksFinish] = rel(jwksPort, 'finish')
      const logs = out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
      results.push({
        outcome: report.outcome,
        importedMs: report.imported,
        decidedMs: report.decided,
        ssmCalls: ssm.callCount('GetParameters') - ssmBefore,
        jwksFetches: jwks.requests - jwksBefore,
        ssmStart, ssmFinish, jwksStart, jwksFinish,
        // Concurrent: the key fetch was under way before the settings load had finished (it did not wait for it).
        concurrent: jwksStart !== undefined && ssmFinish !== undefined && jwksStart < ssmFinish,
        logMessages: logs.map((l) => l.message),
      })
    }
  } finally {
    await jwks.close()
  }
  return results
}
