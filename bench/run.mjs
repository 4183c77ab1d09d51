// npm run bench: one table per performance goal plus the SSM burst simulation, with PASS/MISS.
// Ratios are medians of per-round paired ratios over interleaved rounds; absolute times depend on the machine.
import { readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { runBundle } from './bundle.mjs'
import { runBurst } from './burst-run.mjs'
import { runCold } from './cold.mjs'
import { resolveColdNode } from './lib/cold-node.mjs'
import { runChild, versionOf } from './lib/env.mjs'
import { prepare } from './lib/prepare.mjs'
import { fmtBytes, fmtMs, fmtNs, fmtRatio, fmtSpread, median, table } from './lib/stats.mjs'

const QUICK = process.argv.includes('--quick')
// --write: also put this run's tables into BENCHMARKS.md, between the results markers.
const WRITE = process.argv.includes('--write')
const MARKERS = ['<!-- bench:results:start -->', '<!-- bench:results:end -->']
/** The value of `--name value` or `--name=value`, else the environment variable. */
const option = (name, envName) => {
  const at = process.argv.findIndex((arg) => arg === name || arg.startsWith(`${name}=`))
  if (at < 0) return process.env[envName]
  return process.argv[at].includes('=') ? process.argv[at].slice(name.length + 1) : process.argv[at + 1]
}
// --cold-node 24 (or BENCH_COLD_NODE=24, or a path): section 3's children run on that Node, e.g. Lambda's nodejs24.x.
const COLD_NODE = resolveColdNode(option('--cold-node', 'BENCH_COLD_NODE'))
// --cold-only: the versions and section 3 only (a quick look at cold start on another Node); never written to the file.
const COLD_ONLY = process.argv.includes('--cold-only')
if (COLD_ONLY && WRITE) throw new Error('--write records a full run: drop --cold-only')
const SETTINGS = {
  warmRounds: QUICK ? 3 : 21,
  warmTargetMs: QUICK ? 15 : 20,
  warmupMs: QUICK ? 100 : 400,
  coldRounds: QUICK ? 4 : 30,
  firstDecisionRuns: QUICK ? 2 : 5,
  memoryInvocations: QUICK ? 20_000 : 100_000,
  floodInvocations: QUICK ? 10_000 : 50_000,
  burstScenarios: [
    { instances: 200, tps: 40, burst: 40 },
    { instances: 200, tps: 3000, burst: 3000 },
  ],
}
const GOALS = { asymmetric: 1.5, hmac: 2, jwks: 1.1, coldNoSsm: 1.1, coldSsm: 1.5, heapGrowthBytes: 1024 * 1024, heapTrendBytes: 256 * 1024, noSsmGzipBytes: 40 * 1024 }
const here = (file) => fileURLToPath(new URL(file, import.meta.url))
const verdicts = []
const verdict = (goal, pass, detail) => {
  verdicts.push({ goal, result: pass ? 'PASS' : 'MISS', detail })
  return pass ? 'PASS' : 'MISS'
}
const output = []
const print = (text = '') => {
  output.push(text)
  process.stdout.write(`${text}\n`)
}
const section = (title) => print(`\n### ${title}\n`)

function printVersions() {
  section('Versions')
  const cpu = cpus()[0]?.model ?? 'unknown'
  print(table(['component', 'version'], [
    ['node', process.version],
    ['node (section 3 children)', COLD_NODE.version],
    ['V8 / OpenSSL', `${process.versions.v8} / ${process.versions.openssl}`],
    ['machine', `${availableParallelism()} × ${cpu}, ${process.platform}-${process.arch}`],
    ['jose', versionOf('jose')],
    ['jsonwebtoken', versionOf('jsonwebtoken')],
    ['aws-jwt-verify', versionOf('aws-jwt-verify')],
    ['@aws-sdk/client-ssm', versionOf('@aws-sdk/client-ssm')],
    ['esbuild', versionOf('esbuild')],
  ]))
  print(`\nLoad average at start: ${loadavg().map((x) => x.toFixed(2)).join(' / ')} (1 / 5 / 15 min; other work on the machine adds noise).`)
}

const OURS = 'ours (handler)'
const RAW = 'raw node:crypto'
const PEERS = ['jsonwebtoken', 'aws-jwt-verify']
// Median over rounds of (our handler ÷ the candidate in the same round); below 1.00x we are faster.
const oursOver = (ours, r) => median(r.perOpNs.map((t, i) => ours.perOpNs[i] / t))

function printWarm({ peers }) {
  section('1. Warm invocation, event → result (ratio to raw node:crypto; lower is better)')
  print(`Rounds: ${SETTINGS.warmRounds}, candidates interleaved (order reversed every round), ~${SETTINGS.warmTargetMs} ms per batch,`)
  print(`after ~${SETTINGS.warmupMs} ms of untimed warm-up per candidate (steady state: JIT tiering takes thousands of calls).`)
  print('Ratio = median over rounds of (candidate ns/op ÷ raw ns/op in the same round); spread = min–max of those ratios.')
  print('"ours ÷ this" = median over rounds of (our handler ÷ this candidate in the same round); below 1.00x we are faster.\n')
  const rows = []
  for (const [alg, { results }] of Object.entries(peers)) {
    const raw = results[RAW]
    const ours = results[OURS]
    for (const [name, r] of Object.entries(results)) {
      const isRaw = name === RAW
      const vsOurs = name === OURS || isRaw ? '' : fmtRatio(oursOver(ours, r))
      rows.push([alg, name, fmtNs(r.medianNs), isRaw ? '1.00x' : fmtRatio(r.medianRatio), isRaw ? '' : fmtSpread(r.ratios), vsOurs])
    }
    const limit = alg === 'HS256' ? GOALS.hmac : GOALS.asymmetric
    verdict(`1. ${alg} ours ≤ ${limit}x raw`, ours.medianRatio <= limit, `${fmtRatio(ours.medianRatio)} (${fmtNs(ours.medianNs)} vs ${fmtNs(raw.medianNs)})`)
    // Like for like: our handler against the peer's authorizer (same event, same kind of result and log line).
    for (const peer of PEERS) {
      const authorizer = results[`${peer} authorizer`]
      if (authorizer === undefined) continue
      const ratio = oursOver(ours, authorizer)
      const verifyOnly = results[`${peer} (verify only)`]
      const info = verifyOnly === undefined ? '' : `; ÷ verify only ${fmtRatio(oursOver(ours, verifyOnly))}`
      verdict(`1. ${alg} ours faster than ${peer}`, ratio < 1, `ours ÷ ${peer} authorizer = ${fmtRatio(ratio)}${info}`)
    }
  }
  print(table(['alg', 'candidate', 'median wall/op', 'ratio to raw', 'spread', 'ours ÷ this'], rows))
  const lines = (name) => Object.entries(peers)
    .filter(([, r]) => r.logLines[name] !== undefined)
    .map(([alg, r]) => `${alg} ${r.logLines[name].lines}/${r.logLines[name].invocations}`).join(', ')
  print('\nOurs = the handler of dist/authorizer.mjs (fresh module instance, static key, CUBEJS_JWT_ISSUER set) on a REST TOKEN')
  print('event: event parsing, verification, claims, security context, IAM policy, and the JSON decision log line, built and')
  print('serialized every call (stdout replaced by a counting sink: the line is built, only the write is skipped).')
  print('Peer authorizers (bench/lib/peer-authorizers.mjs; the "faster than" verdicts use these) = a plain async handler')
  print('per peer, as its users write one: the same event, a case-insensitive "Bearer " prefix stripped (anything else')
  print('refused), the peer\'s verify, then the same kind of result: principalId = sub, an IAM Allow policy for the stage')
  print('(methodArn up to apiId/stage, then /*/*), context = securityContext JSON plus the top-level scalar claims, and one')
  print('JSON decision log line through the same counting sink (fewer fields than ours: level, time, message, outcome,')
  print('principalId). Both throw Error(\'Unauthorized\') on failure. jsonwebtoken authorizer: jsonwebtoken.verify(token,')
  print('secretOrPemString, { algorithms, issuer }) as Cube calls it; aws-jwt-verify authorizer: JwtVerifier with')
  print('cacheJwks() and verifySync (issuer set, so its KeyObject cache is used).')
  print('Verify-only rows (for information, no verdict): the bare verify call with no event, policy or log line; jose')
  print('jwtVerify with a pre-imported CryptoKey. n/a: jsonwebtoken has no EdDSA; aws-jwt-verify no HS*/PS*.')
  print('Decision log lines built while timing (lines/invocations, counted per candidate):')
  for (const name of [OURS, ...PEERS.map((peer) => `${peer} authorizer`)]) print(`- ${name}: ${lines(name)}`)
}

function printJwks({ jwks }) {
  section('2. Warm invocation: JWKS-URL key vs the same key given statically')
  const rows = []
  for (const alg of ['RS256', 'ES256', 'EdDSA']) {
    const r = jwks[alg]
    const url = r['JWKS URL']
    rows.push([alg, fmtNs(r['static key'].medianNs), fmtNs(url.medianNs), fmtRatio(url.medianRatio), fmtSpread(url.ratios), String(r.fetchesDuringTiming)])
    verdict(`2. ${alg} JWKS URL ≤ ${GOALS.jwks}x static`, url.medianRatio <= GOALS.jwks, fmtRatio(url.medianRatio))
  }
  print(table(['alg', 'static key', 'JWKS URL (cache warm)', 'ratio', 'spread', 'fetches while timed'], rows))
  print(`\nStatic = the JWKS document in CUBEJS_JWT_KEY (same key, same kid selection); URL = CUBEJS_JWK_URL on a real node:http`)
  print(`server on 127.0.0.1 (test/support/jwks-server.ts). Fetches in total: ${jwks.totalFetches} (one per handler instance).`)
}

function printCold({ cold, sdkChunks, firstDecision }) {
  section(`3. Cold start: whole-process wall time of a fresh node ${COLD_NODE.version} importing the bundle (ratio to an empty handler)`)
  const rows = cold.map((r) => {
    const compared = r.base !== null
    return [r.name, fmtMs(r.medianMs), compared ? r.base : '', compared ? fmtRatio(r.medianRatio) : '', compared ? fmtSpread(r.ratios) : '',
      fmtMs(r.medianCpuMs), compared ? fmtRatio(r.medianCpuRatio) : '', r.ssmCallsPerRun.toFixed(1)]
  })
  print(table(['variant', 'median wall', 'compared with', 'ratio', 'spread', 'median CPU', 'CPU ratio', 'SSM calls/run'], rows))
  const get = (name) => cold.find((r) => r.name === name)
  verdict(`3. no SSM ≤ ${GOALS.coldNoSsm}x empty`, get('no SSM').medianRatio <= GOALS.coldNoSsm,
    `${fmtRatio(get('no SSM').medianRatio)}; node:crypto alone ${fmtRatio(get('reference: node:crypto only').medianRatio)}`)
  const sdk = get('SSM: import + SDK chunk loaded')
  verdict(`3. SSM (SDK chunk loaded) ≤ ${GOALS.coldSsm}x empty`, sdk.medianRatio <= GOALS.coldSsm,
    `${fmtRatio(sdk.medianRatio)}; SDK client alone ${fmtRatio(get('reference: SDK client only').medianRatio)}; until settings loaded ${fmtRatio(get('SSM: until settings loaded').medianRatio)}`)
  print(`\n${SETTINGS.coldRounds} rounds, variants interleaved; spawn to exit as the parent sees it. Chunks an SSM cold start loads`)
  print(`(recorded once with loader hooks, then imported explicitly by "SDK chunk loaded"): ${sdkChunks.length} files, see section 5.`)
  print('"until settings loaded" ends when the process ends by itself after the GetParameters answer from a loopback server.')
  print('References (no verdict; the floors under the two goals): "node:crypto only" is an empty handler that imports node:crypto,')
  print('which any verifier needs before its first check; "SDK client only" is an empty handler that imports SSMClient and')
  print('GetParametersCommand from @aws-sdk/client-ssm, bundled with the same esbuild options as dist/, and exits once loaded.')
  print('Verdicts use wall time. CPU = the child\'s own CPU time (process.cpuUsage at exit): when the machine is busy, waiting')
  print('for a CPU inflates every process start alike and pulls wall ratios toward 1; the CPU ratio is not pulled that way.')

  print('\nFirst decision after a cold start (AUTHORIZER_SSM_PATH + CUBEJS_JWK_URL from the environment, RS256 token;')
  print('times in ms since the process started, server side from node:diagnostics_channel):\n')
  const fdRows = firstDecision.map((r, i) => [String(i + 1), r.outcome, fmtMs(r.importedMs), fmtMs(r.jwksStart), fmtMs(r.ssmStart), fmtMs(r.ssmFinish), fmtMs(r.decidedMs), String(r.ssmCalls), String(r.jwksFetches), r.concurrent ? 'yes' : 'NO'])
  print(table(['run', 'outcome', 'imported', 'JWKS request', 'SSM request', 'SSM answered', 'decision', 'SSM calls', 'JWKS fetches', 'concurrent'], fdRows))
  const ok = firstDecision.every((r) => r.outcome === 'Allow' && r.ssmCalls === 1 && r.jwksFetches === 1 && r.concurrent)
  verdict('3. first decision: 1 SSM call + 1 JWKS fetch, concurrent', ok, `median first decision ${fmtMs(median(firstDecision.map((r) => r.decidedMs)))}`)
}

function printMemory(m) {
  section(`4. Memory: heap (after forced GC) across ${m.invocations.toLocaleString('en')} steady invocations and a random-kid flood`)
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`
  const kb = (bytes) => `${bytes >= 0 ? '+' : ''}${(bytes / 1024).toFixed(0)} KB`
  const n = (count) => count.toLocaleString('en')
  const points = [
    ['baseline (after warm-up)', m.baseline, null],
    [`after ${n(m.invocations / 2)} steady`, m.afterHalfSteady, m.baseline],
    [`after ${n(m.invocations)} steady`, m.afterSteady, m.afterHalfSteady],
    [`after + ${n(m.floodInvocations / 2)} random-kid tokens`, m.afterHalfFlood, m.afterSteady],
    [`after + ${n(m.floodInvocations)} random-kid tokens`, m.afterFlood, m.afterHalfFlood],
  ]
  print(table(['point', 'heapUsed', 'vs baseline', 'vs previous point', 'rss'], points.map(([name, at, previous]) =>
    [name, mb(at.heapUsed), previous === null ? '' : kb(at.heapUsed - m.baseline.heapUsed), previous === null ? '' : kb(at.heapUsed - previous.heapUsed), mb(at.rss)])))
  // No growth: small in total, and flat within each phase (a leak grows with every invocation, JIT warm-up does not).
  const total = m.afterFlood.heapUsed - m.baseline.heapUsed
  const trend = Math.max(m.afterSteady.heapUsed - m.afterHalfSteady.heapUsed, m.afterFlood.heapUsed - m.afterHalfFlood.heapUsed)
  verdict(`4. heap: total growth ≤ ${fmtBytes(GOALS.heapGrowthBytes)}, second half of each phase ≤ ${fmtBytes(GOALS.heapTrendBytes)}`,
    total <= GOALS.heapGrowthBytes && trend <= GOALS.heapTrendBytes, `total ${kb(total)}, second halves ≤ ${kb(trend)}`)
  print(`\nSteady: HS256, every token distinct (own sub and jti). Flood: RS256 tokens with random kids against a JWKS-URL handler`)
  print(`(kid-miss cooldown set to 1 s so the flood spans several cooldowns): ${m.floodFetches} JWKS fetches in ${m.floodSeconds.toFixed(1)} s`)
  print(`(bound: one per cooldown). Outcomes: ${n(m.outcomes.allow)} allow, ${n(m.outcomes.unauthorized)} unauthorized, ${m.outcomes.other} other.`)
  print('rss is shown for information: it includes allocator and V8 space reservations that are not live objects.')
}

function printBundle(b) {
  section('5. Bundle (source maps skipped; gzip level 9)')
  print(table(['file', 'raw', 'gzip'], b.files.map((f) => [f.file, fmtBytes(f.raw), fmtBytes(f.gzip)])))
  print('')
  print(table(['path', 'files', 'raw', 'gzip'], [
    ['no-SSM path (entry + static imports)', String(b.noSsm.files.length), fmtBytes(b.noSsm.raw), fmtBytes(b.noSsm.gzip)],
    ['chunks an SSM cold start loads (recorded)', String(b.ssmLazy.files.length), fmtBytes(b.ssmLazy.raw), fmtBytes(b.ssmLazy.gzip)],
    ['all of dist/', String(b.files.length), fmtBytes(b.total.raw), fmtBytes(b.total.gzip)],
  ]))
  verdict('5. no-SSM path < 40 KB gzip', b.noSsm.gzip < GOALS.noSsmGzipBytes, fmtBytes(b.noSsm.gzip))
}

function printBurst(scenarios) {
  section('6. SSM burst: fresh module instances cold-starting at once against a rate-limited SSM server')
  const rows = scenarios.map((s) => [
    String(s.instances), `${s.tps} TPS, burst ${s.burst}`, String(s.allowed), String(s.failed),
    Object.entries(s.byOutcome).filter(([k]) => k !== 'allowed').map(([k, v]) => `${v} ${k.replace('Authorizer error: ', '')}`).join(', ') || '-',
    fmtMs(s.p50Ms), fmtMs(s.p95Ms), fmtMs(s.maxMs), `${s.ssmCalls} (${s.ssmCalls - s.throttledCalls} ok)`,
  ])
  print(table(['instances', 'SSM quota', 'allowed', 'failed', 'failures', 'p50', 'p95', 'max', 'SSM calls'], rows))
  const s = scenarios[0]
  print(`\nEach instance is a fresh module instance of dist/authorizer.mjs (import with a unique query string: own settings,`)
  print(`SSM client, retries and deadline; chunks shared), in ${s.processes} processes (one per core), all started at once; latency is`)
  print('from the start of its import to its first decision (HS256 secret from SSM, default AUTHORIZER_SSM_TIMEOUT_MS=3000).')
  print('Failed first requests answer API Gateway 500 (never Allow); the next invocation retries the load.')
  print('Caveat: the instances share two cores, so each one\'s SDK start-up (client, signing) queues behind the others\';')
  print('the 3000 TPS row is the control that shows this CPU queueing alone (real containers each have their own CPU).')
}

async function writeResults() {
  const file = here('../BENCHMARKS.md')
  const text = await readFile(file, 'utf8')
  const start = text.indexOf(MARKERS[0])
  const end = text.indexOf(MARKERS[1])
  if (start === -1 || end < start) throw new Error(`BENCHMARKS.md lacks the ${MARKERS.join(' … ')} markers`)
  const stamp = `Run of ${new Date().toISOString().slice(0, 10)}: sections 1, 2, 4, 5 and 6 on Node ${process.version}, section 3 (cold start) on Node ${COLD_NODE.version}.`
  await writeFile(file, `${text.slice(0, start + MARKERS[0].length)}\n${stamp}\n${output.join('\n')}\n${text.slice(end)}`)
  process.stdout.write('BENCHMARKS.md updated.\n')
}

const started = performance.now()
const prep = await prepare()
try {
  const input = { distDir: prep.distDir, supportDir: prep.supportDir, sdkOnly: prep.sdkOnly }
  printVersions()
  if (!COLD_ONLY) {
    const warm = await runChild(here('./warm.mjs'), { ...input, rounds: SETTINGS.warmRounds, targetMs: SETTINGS.warmTargetMs, warmupMs: SETTINGS.warmupMs })
    printWarm(warm)
    printJwks(warm)
  }
  const cold = await runCold({ ...input, rounds: SETTINGS.coldRounds, firstDecisionRuns: SETTINGS.firstDecisionRuns, node: COLD_NODE.path })
  printCold(cold)
  if (!COLD_ONLY) {
    printMemory(await runChild(here('./memory.mjs'), { ...input, invocations: SETTINGS.memoryInvocations, floodInvocations: SETTINGS.floodInvocations }, { execArgv: ['--expose-gc'] }))
    printBundle(await runBundle({ ...input, ssmLoaded: cold.sdkChunks }))
    printBurst(await runBurst({ ...input, scenarios: SETTINGS.burstScenarios }))
  }
  section('Summary')
  print(table(['goal', 'result', 'measured'], verdicts.map((v) => [v.goal, v.result, v.detail])))
  const misses = verdicts.filter((v) => v.result === 'MISS').length
  print(`\nLoad average at end: ${loadavg().map((x) => x.toFixed(2)).join(' / ')}.`)
  print(`${verdicts.length - misses} PASS, ${misses} MISS; bench took ${((performance.now() - started) / 1000).toFixed(0)} s${QUICK ? ' (--quick)' : ''}${COLD_ONLY ? ' (--cold-only)' : ''}.`)
  if (WRITE) await writeResults()
} finally {
  await prep.cleanup()
}
