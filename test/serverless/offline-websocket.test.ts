// serverless-offline runs the WebSocket API's $connect REQUEST authorizer: the token in the query string, as a browser
// sends it; plus cookie tokens on the REST REQUEST and HTTP API routes under the one-credential rule.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { PATIENTLY } from '../support/patience.js'
import { hs256, withBadSignature } from '../support/tokens.js'
import { connect } from '../support/ws-client.js'
import { freePort, isolatedEnv, serviceCopy, startOffline, type Offline } from './support/serverless.js'

const SECRET = 'offline-ws-secret-8c2e41d9a7f3-0123456789abcdef0123456789abcdef'
const NOW_S = Math.floor(Date.now() / 1000)
const CLAIMS = { sub: 'alice', tenant: 'acme', iat: NOW_S, exp: NOW_S + 3600 }

let offline: Offline
let wsUrl: string
const cleanups: Array<() => Promise<void>> = []
let valid: string
let other: string

beforeAll(async () => {
  const service = await serviceCopy()
  // The shell's settings reach every handler (localEnvironment); the WebSocket authorizer's own
  // AUTHORIZER_TOKEN_QUERY_PARAM=token comes from serverless.yml and wins over the shell's. The cookie and the
  // access_token parameter are configured here for the HTTP routes.
  const shell = await isolatedEnv({ CUBEJS_API_SECRET: SECRET, AUTHORIZER_TOKEN_COOKIE: 'cube_token', AUTHORIZER_TOKEN_QUERY_PARAM: 'access_token' })
  cleanups.push(service.cleanup, shell.cleanup)
  valid = await hs256(SECRET, CLAIMS)
  other = await hs256(SECRET, { sub: 'mallory', iat: NOW_S, exp: NOW_S + 3600 })
  const websocketPort = await freePort()
  wsUrl = `http://127.0.0.1:${websocketPort}`
  offline = await startOffline({ cwd: service.dir, env: shell.env, args: ['--websocketPort', String(websocketPort)] })
})

afterAll(async () => {
  await offline?.stop()
  for (const cleanup of cleanups) await cleanup()
})

describe('serverless-offline WebSocket $connect with the token in the query string', () => {
  it('connects with ?token=<jwt>, and the backend answers a message with the security context the authorizer passed', async () => {
    const ws = await connect(`${wsUrl}/?token=${valid}`)
    expect(ws.kind).toBe('open')
    if (ws.kind !== 'open') return
    try {
      ws.send('hello')
      const reply = JSON.parse(await ws.next()) as { securityContext: unknown; principalId: unknown }
      expect(reply).toStrictEqual({ securityContext: CLAIMS, principalId: 'alice' })
    } finally {
      ws.close()
    }
  })

  // serverless-offline 14.8.5 answers 401 to a WebSocket authorizer only when it *returns* "Unauthorized"; the thrown
  // Error('Unauthorized') that API Gateway turns into 401 becomes a 500 there. So these assert the refusal, and the
  // authorizer's own decision line (outcome unauthorized and its reason) shows that it was a 401 decision.
  // Only the WebSocket authorizer runs in this block. A request refused while its event is read has no `event` field.
  const wsDecisions = () =>
    offline.output().stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.message === 'decision')

  it('refuses the handshake without a token, with a forged one, and with a token in another parameter', async () => {
    const before = wsDecisions().length
    for (const url of [`${wsUrl}/`, `${wsUrl}/?token=${withBadSignature(valid)}`, `${wsUrl}/?access_token=${valid}`])
      expect((await connect(url)).kind).toBe('refused')
    // Each handler's output reaches offline's stdout when its process writes it, not when the handshake answers.
    await vi.waitFor(() => expect(wsDecisions().length).toBe(before + 3), PATIENTLY)
    expect(wsDecisions().slice(before).map((d) => [d.outcome, d.reason])).toStrictEqual([
      ['unauthorized', 'token_missing'],
      ['unauthorized', 'signature_invalid'],
      ['unauthorized', 'token_missing'],
    ])
  })

  it('refuses a query token next to a different Authorization header: one credential per request', async () => {
    const before = wsDecisions().length
    expect((await connect(`${wsUrl}/?token=${valid}`, { Authorization: `Bearer ${other}` })).kind).toBe('refused')
    const same = await connect(`${wsUrl}/?token=${valid}`, { Authorization: `Bearer ${valid}` })
    expect(same.kind).toBe('open')
    if (same.kind === 'open') same.close()
    await vi.waitFor(() => expect(wsDecisions().length).toBe(before + 2), PATIENTLY)
    expect(wsDecisions().slice(before).map((d) => [d.outcome, d.reason, d.token_source])).toStrictEqual([
      ['unauthorized', 'credentials_ambiguous', undefined],
      ['allow', 'ok', 'header'],
    ])
  })

  it('never writes the token or the query string to the authorizer logs', () => {
    const { stdout } = offline.output()
    expect(stdout).toContain('"message":"decision"')
    for (const part of [valid, other, valid.split('.')[2] ?? '', 'token=']) expect(stdout).not.toContain(part)
  })
})

describe('serverless-offline HTTP routes with AUTHORIZER_TOKEN_COOKIE and AUTHORIZER_TOKEN_QUERY_PARAM', () => {
  // These routes' identity source is the Authorization header, so it is always sent; the cookie and the parameter
  // must then carry the same credential.
  const get = (path: string, headers: Record<string, string>) => fetch(`${offline.url}${path}`, { headers }).then((r) => r.status)

  it.each(['/whoami/request', '/v2/whoami'])('%s: a cookie carrying the same token is fine, a different one is refused (401)', async (path) => {
    expect(await get(path, { authorization: `Bearer ${valid}`, cookie: `theme=dark; cube_token=${valid}` })).toBe(200)
    expect(await get(path, { authorization: `Bearer ${valid}`, cookie: `theme=dark; cube_token=${other}` })).toBe(401)
  })

  it.each(['/whoami/request', '/v2/whoami'])('%s: a query parameter carrying the same token is fine, a different one is refused (401)', async (path) => {
    expect(await get(`${path}?access_token=${valid}&x=1`, { authorization: `Bearer ${valid}` })).toBe(200)
    expect(await get(`${path}?x=1&access_token=${other}`, { authorization: `Bearer ${valid}` })).toBe(401)
  })

  it('the REST TOKEN route sees only its header: a different query token changes nothing', async () => {
    expect(await get(`/whoami?access_token=${other}`, { authorization: `Bearer ${valid}` })).toBe(200)
  })
})
