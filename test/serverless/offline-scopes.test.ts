// serverless-offline on the `scoped` stage of serverless.yml: Cube API scopes and route requirements through real HTTP,
// on a REST API route (TOKEN authorizer) and on HTTP API routes (request authorizer, IAM policies).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCOPES_SECRET, scopedToken } from '../support/scoped-events.js'
import { isolatedEnv, serviceCopy, startOffline, type Offline } from './support/serverless.js'

const NOW_S = Math.floor(Date.now() / 1000)

let offline: Offline
const cleanups: Array<() => Promise<void>> = []
const tokens: Record<'metaAndWhoami' | 'data' | 'unscoped', string> = { metaAndWhoami: '', data: '', unscoped: '' }

beforeAll(async () => {
  const service = await serviceCopy()
  const shell = await isolatedEnv({ CUBEJS_API_SECRET: SCOPES_SECRET })
  cleanups.push(service.cleanup, shell.cleanup)
  tokens.metaAndWhoami = await scopedToken({ scope: 'meta whoami:read' }, NOW_S)
  tokens.data = await scopedToken({ scope: 'data' }, NOW_S)
  // No scope claim: Cube's default API scopes (graphql, meta, data, sql), and none of ours.
  tokens.unscoped = await scopedToken({}, NOW_S)
  offline = await startOffline({ cwd: service.dir, env: shell.env, args: ['--stage', 'scoped'] })
}, 60_000)

afterAll(async () => {
  await offline?.stop()
  for (const cleanup of cleanups) await cleanup()
})

async function status(path: string, token: string): Promise<number> {
  const response = await fetch(`${offline.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
  await response.arrayBuffer()
  return response.status
}

describe('serverless-offline, stage scoped', () => {
  it('REST GET /whoami (route requirement whoami:read): 200 with the scope, 403 without', async () => {
    expect(await status('/whoami', tokens.metaAndWhoami)).toBe(200)
    expect(await status('/whoami', tokens.data)).toBe(403)
    expect(await status('/whoami', tokens.unscoped)).toBe(403)
  })

  it("HTTP API GET /cubejs-api/v1/meta (Cube's meta scope): 200 with meta or Cube's defaults, 403 with data only", async () => {
    expect(await status('/cubejs-api/v1/meta', tokens.metaAndWhoami)).toBe(200)
    expect(await status('/cubejs-api/v1/meta', tokens.unscoped)).toBe(200)
    expect(await status('/cubejs-api/v1/meta', tokens.data)).toBe(403)
  })

  it('HTTP API GET /v2/whoami (route requirement): 200 with the scope, 403 without', async () => {
    expect(await status('/v2/whoami', tokens.metaAndWhoami)).toBe(200)
    expect(await status('/v2/whoami', tokens.data)).toBe(403)
  })

  it('logs each decision with the granted Cube scopes and what the route got, never a token', () => {
    const { stdout } = offline.output()
    const decisions = stdout.split('\n').filter((line) => line.includes('"message":"decision"')).map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(decisions.length).toBe(8)
    expect(new Set(decisions.map((d) => `${String(d.api_scopes)}:${String(d.route_decision)}`))).toStrictEqual(
      new Set(['meta:allow', 'data:deny', 'graphql,meta,data,sql:deny', 'graphql,meta,data,sql:allow']),
    )
    for (const token of Object.values(tokens)) for (const part of token.split('.').slice(1)) expect(stdout).not.toContain(part)
    expect(stdout).not.toContain(SCOPES_SECRET)
  })
})
