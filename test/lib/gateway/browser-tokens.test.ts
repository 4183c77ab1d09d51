// Query string and cookie tokens through createAuthorizer: Allow, the one-credential rule, and logs without query strings.
import { describe, expect, it } from 'vitest'
import { createAuthorizer } from '../../../lib/authorizer.js'
import type { Settings } from '../../../lib/settings/env.js'
import { ErrorCode } from '../../../lib/errors.js'
import { capturedLogger, hs256, httpApiEvent, restRequestEvent, websocketConnectEvent } from '../../support/tokens.js'

const SECRET = 'browser-token-secret-0123456789abcdef01234567'
const SETTINGS: Settings = { CUBEJS_API_SECRET: SECRET, AUTHORIZER_TOKEN_QUERY_PARAM: 'access_token', AUTHORIZER_TOKEN_COOKIE: 'cube_token' }

function setup(settings: Settings = SETTINGS) {
  const log = capturedLogger()
  const handler = createAuthorizer({ settings: () => settings, logger: log.logger })
  const outcome = (event: unknown) => handler(event).then((r) => ('isAuthorized' in r ? `simple:${r.isAuthorized}` : `allow:${r.principalId}`), (e: Error) => e.message)
  return { log, outcome }
}

const query = <T extends object>(event: T, value: string, extra: Record<string, string> = {}) => {
  const single = { ...extra, access_token: value }
  return { ...event, rawQueryString: new URLSearchParams(single).toString(), queryStringParameters: single, multiValueQueryStringParameters: Object.fromEntries(Object.entries(single).map(([k, v]) => [k, [v]])) }
}

describe('AUTHORIZER_TOKEN_QUERY_PARAM and AUTHORIZER_TOKEN_COOKIE', () => {
  it('allows a WebSocket $connect whose token is in the query string, as browsers must send it', async () => {
    const { log, outcome } = setup()
    expect(await outcome(query(websocketConnectEvent(), await hs256(SECRET, { sub: 'ws-user' })))).toBe('allow:ws-user')
    expect(log.named('decision')[0]).toMatchObject({ outcome: 'allow', event: 'websocket_request', token_source: 'query' })
  })

  it('allows REST and HTTP API requests whose token is in a cookie', async () => {
    const { outcome } = setup()
    const token = await hs256(SECRET, { sub: 'cookie-user' })
    expect(await outcome(restRequestEvent({ Cookie: `theme=dark; cube_token=${token}` }))).toBe('allow:cookie-user')
    expect(await outcome({ ...httpApiEvent(), cookies: ['theme=dark', `cube_token=${token}`] })).toBe('allow:cookie-user')
  })

  it('refuses (401) a request whose header and query parameter carry different valid tokens', async () => {
    const { log, outcome } = setup()
    const alice = await hs256(SECRET, { sub: 'alice' })
    const mallory = await hs256(SECRET, { sub: 'mallory' })
    expect(await outcome(query(restRequestEvent({ Authorization: `Bearer ${alice}` }), mallory))).toBe('Unauthorized')
    expect(await outcome({ ...query(httpApiEvent(), alice), cookies: [`cube_token=${mallory}`] })).toBe('Unauthorized')
    expect(log.named('decision').map((d) => d.reason)).toEqual([ErrorCode.CREDENTIALS_AMBIGUOUS, ErrorCode.CREDENTIALS_AMBIGUOUS])
  })

  it('without the settings, a query or cookie token is no token at all', async () => {
    const { log, outcome } = setup({ CUBEJS_API_SECRET: SECRET })
    const token = await hs256(SECRET, { sub: 'x' })
    expect(await outcome(query(websocketConnectEvent({ Cookie: `cube_token=${token}` }), token))).toBe('Unauthorized')
    expect(log.named('decision')[0]?.reason).toBe(ErrorCode.TOKEN_MISSING)
  })

  it('never writes the query string, the token or the cookie to any log line, whatever the outcome', async () => {
    const { log, outcome } = setup({ ...SETTINGS, AUTHORIZER_MAX_TOKEN_AGE_SECONDS: '60' })
    const marker = 'qs-marker-5d1e'
    const good = await hs256(SECRET, { sub: 'fine', iat: Math.floor(Date.now() / 1000) })
    const old = await hs256(SECRET, { sub: 'old', iat: 1 })
    const events = [
      query(websocketConnectEvent(), good, { other: marker }),
      query(restRequestEvent(), old, { other: marker }),
      query(httpApiEvent(), `${good}x`, { other: marker }),
      query(restRequestEvent({ Cookie: `cube_token=${old}; ${marker}=1` }), good, { other: marker }),
    ]
    const results = []
    for (const event of events) results.push(await outcome(event))
    expect(results).toEqual(['allow:fine', 'Unauthorized', 'Unauthorized', 'Unauthorized'])
    const text = log.lines.join('\n')
    for (const secret of [marker, good, old, good.split('.')[1] ?? '', old.split('.')[2] ?? '', 'access_token']) expect(text).not.toContain(secret)
  })
})
