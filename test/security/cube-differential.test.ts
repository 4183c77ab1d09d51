// Cube itself as the oracle: Cube 1.7.43's own JWT check and ours answer the same seeded tokens alike, except where the
// README's "Differences from Cube, and why" names the difference.
//
// Cube side (test/support/cube-oracle.ts): the real ApiGateway from @cubejs-backend/api-gateway, options read by Cube's
// getEnv as its server core does, each request through the gateway's `checkAuth` middleware (default checkAuth with
// jsonwebtoken 9, the JWK fetcher with node-fetch against real node:http JWKS servers on 127.0.0.1), then the gateway's
// security context extractor (claims namespace, legacy `u`). `@cubejs-backend/native` is imported but never loaded: the
// one override is createSQLServerInstance, whose SQL API would call the native binary and is no part of the JWT check.
// Cube reads Date.now(), so the Date is faked (nothing else) at NOW; ours gets the same instant as its clock.
//
// Our side: createAuthorizer in process for every case, and dist/authorizer.mjs in a fresh process for a handful.
// Every case declares whether the answers may differ and by which README id; an undeclared difference, or a declared
// one that does not show, fails.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createAuthorizer } from '../../lib/authorizer.js'
import type { Settings } from '../../lib/settings/env.js'
import { runBundle, type BundleOutcome } from '../support/bundle-runner.js'
import { buildConfigs, type Config } from '../support/cube-configs.js'
import { DIFFERENCES, readmeDifferenceIds, type OurOutcome } from '../support/cube-differences.js'
import { CUBE_SETTINGS, cubeOracle, type CubeOutcome, type CubeSettings } from '../support/cube-oracle.js'
import { MUTATIONS, type Case, type Context } from '../support/cube-tokens.js'
import { startJwksServer, type JwksServer } from '../support/jwks-server.js'
import { outcomeOf, type Outcome } from '../support/security-harness.js'
import { Random } from '../support/security-tokens.js'
import { restRequestEvent } from '../support/tokens.js'

const SEED = 0x0c0be12
const NOW_MS = Math.floor(Date.now() / 1000) * 1000
const NOW = NOW_MS / 1000
const ROOT = new URL('../../', import.meta.url)

interface Result {
  readonly config: Config
  readonly testCase: Case
  readonly cube: CubeOutcome
  readonly ours: OurOutcome
}

/** JSON with sorted keys: the same data compares equal whatever order each side built it in (own __proto__ included). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`
  }
  // Cube can pass on what JSON cannot carry (an inherited namespace such as `constructor` is a function).
  return typeof value === 'function' ? '"[function]"' : (JSON.stringify(value) ?? 'undefined')
}

const thrownAs = (message: string): OurOutcome => (message === 'Unauthorized' ? { kind: 'reject' } : { kind: 'error', message })
const allowOf = (result: unknown): OurOutcome => ({
  kind: 'accept',
  securityContext: JSON.parse((result as { context?: { securityContext?: string } }).context?.securityContext ?? 'null') as unknown,
})
const inProcess = (o: Outcome): OurOutcome => (o.kind === 'thrown' ? thrownAs(o.message) : allowOf(o.result))
const fromBundle = (o: BundleOutcome): OurOutcome => (o.ok ? allowOf(o.result) : thrownAs(o.error.message))

const agree = (cube: CubeOutcome, ours: OurOutcome) =>
  cube.kind === 'reject' ? ours.kind === 'reject' : ours.kind === 'accept' && canonical(cube.securityContext) === canonical(ours.securityContext)

/** Why a result is wrong, or undefined when it is what the case declares. */
function verdict({ testCase: c, cube, ours }: Result): string | undefined {
  const same = agree(cube, ours)
  if (same && cube.kind === 'reject' && !DIFFERENCES['status-401'](cube, ours)) return `Cube rejected with ${cube.status}, not 403`
  if (c.difference === undefined) return same ? undefined : 'undeclared difference'
  if (same) return `declared difference ${c.difference} did not show`
  return DIFFERENCES[c.difference](cube, ours) ? undefined : `differs, but not as ${c.difference} says`
}

const describeResult = (r: Result, why: string) =>
  `${r.config.name} / ${r.testCase.label}: ${why}\n    cube: ${JSON.stringify(r.cube)}\n    ours: ${JSON.stringify(r.ours)}`

const cubeSettings = (settings: Readonly<Record<string, string>>): CubeSettings =>
  Object.fromEntries(CUBE_SETTINGS.filter((name) => settings[name] !== undefined).map((name) => [name, settings[name]]))

async function casesFor(config: Config, rng: Random): Promise<Case[]> {
  const ctx: Context = { rng, now: NOW, profile: config.profile }
  const names = config.mutations === 'all' ? Object.keys(MUTATIONS) : config.mutations
  const draws = [...names, ...Array.from({ length: config.random ?? 0 }, () => rng.pick(names))]
  const cases: Case[] = []
  for (const [index, name] of draws.entries()) {
    const mutation = MUTATIONS[name]
    if (mutation === undefined) throw new Error(`unknown mutation ${name}`)
    const made = config.profile.signers.length === 0 ? undefined : await mutation(ctx, rng.pick(config.profile.signers))
    if (made === undefined) continue
    const testCase: Case = { label: `${name}#${index}`, ...made }
    cases.push({ ...testCase, ...config.declare?.(name, testCase) })
  }
  return [...cases, ...((await config.extra?.(ctx)) ?? [])]
}

const servers: JwksServer[] = []
const results: Result[] = []
let configs: Config[] = []
let okpServer: JwksServer | undefined

beforeAll(async () => {
  const [main, kidless, okp, metadata, weakRsa] = await Promise.all([startJwksServer(), startJwksServer(), startJwksServer(), startJwksServer(), startJwksServer()])
  servers.push(main, kidless, okp, metadata, weakRsa)
  okpServer = okp
  configs = await buildConfigs({ main, kidless, okp, metadata, weakRsa }, NOW)
  vi.useFakeTimers({ toFake: ['Date'], now: NOW_MS })
})

afterAll(async () => {
  vi.useRealTimers()
  await Promise.all(servers.map((server) => server.close()))
})

describe('Cube 1.7.43 and this authorizer answer the same tokens alike, except for the documented differences (docs/security.md)', () => {
  it('agrees on every seeded case of every key setting, or differs exactly as the case declares', async () => {
    const rng = new Random(SEED)
    for (const config of configs) {
      const cube = cubeOracle(cubeSettings(config.settings), config.enforce === false ? { enforceSecurityChecks: false } : {})
      const frozen = Object.freeze({ ...config.settings }) as Settings
      const ours = createAuthorizer({ settings: () => frozen, now: () => NOW_MS, logger: { log: () => {} } })
      try {
        for (const testCase of await casesFor(config, rng)) {
          const event = restRequestEvent(testCase.headers)
          results.push({ config, testCase, cube: await cube.check(testCase.headers), ours: inProcess(await outcomeOf(ours(event))) })
        }
      } finally {
        cube.release()
      }
    }
    const wrong = results.map((r) => [r, verdict(r)] as const).filter(([, why]) => why !== undefined)
    expect(wrong.map(([r, why]) => describeResult(r, String(why)))).toEqual([])
    expect(results.length).toBeGreaterThan(300)
  })

  it('names, in its cases, exactly the differences docs/security.md lists', () => {
    const declared = new Set(results.flatMap((r) => (r.testCase.difference === undefined ? [] : [r.testCase.difference])))
    declared.add('status-401')
    expect([...declared].sort()).toEqual(Object.keys(DIFFERENCES).sort())
    expect(readmeDifferenceIds(ROOT).sort()).toEqual(Object.keys(DIFFERENCES).sort())
  })

  it('sees Cube reject with 403 where we answer 401 (status-401)', () => {
    const bothRejected = results.filter((r) => r.cube.kind === 'reject' && r.ours.kind === 'reject')
    expect(bothRejected.length).toBeGreaterThan(50)
    expect(bothRejected.every((r) => DIFFERENCES['status-401'](r.cube, r.ours))).toBe(true)
  })

  it('sees Cube fetch a key set it cannot use again on every request (jwks-key-breaks-set)', () => {
    const checks = results.filter((r) => r.config.settings.CUBEJS_JWK_URL === okpServer?.url).length
    expect(checks).toBeGreaterThan(2)
    // Ours fetches the set once and caches it; every other request to this server is Cube's.
    expect(okpServer?.requests).toBeGreaterThan(checks)
  })

  it('gives the same answers from dist/authorizer.mjs for a sample of cases', async () => {
    const sampled = new Set(['CUBEJS_API_SECRET', 'CUBEJS_JWT_KEY as PEM RSA, claims namespace', 'CUBEJS_JWK_URL with audience and issuers', 'PEM public key in CUBEJS_API_SECRET'])
    const byConfig = new Map<Config, Result[]>()
    for (const r of results) {
      if (!sampled.has(r.config.name) || r.testCase.timeEdge) continue
      const list = byConfig.get(r.config) ?? []
      if (list.length < 6) byConfig.set(r.config, [...list, r])
    }
    expect(byConfig.size).toBe(sampled.size)
    // Allows, 401s and 500s, and at least one case where Cube answers differently.
    const sample = [...byConfig.values()].flat()
    expect(new Set(sample.map((r) => r.ours.kind))).toEqual(new Set(['accept', 'reject', 'error']))
    expect(sample.some((r) => !agree(r.cube, r.ours))).toBe(true)
    for (const [config, sample] of byConfig) {
      const run = await runBundle({ ...config.settings }, sample.map((r) => restRequestEvent(r.testCase.headers)))
      const answers = run.outcomes.map(fromBundle)
      expect(answers.map((a) => canonical(a))).toEqual(sample.map((r) => canonical(r.ours)))
    }
  })
})
