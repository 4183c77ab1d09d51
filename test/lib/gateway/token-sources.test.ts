// Mirrors lib/gateway/token-sources.ts and the one-credential rule across headers, query parameter and cookie.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { parseEvent } from '../../../lib/gateway/event.js'
import { cookieValues, queryValues, type TokenLocations } from '../../../lib/gateway/token-sources.js'
import { parseTokenLocations } from '../../../lib/settings/token-locations.js'
import { AuthorizerError } from '../../../lib/errors.js'
import { codeOfThrow } from '../../support/errors.js'
import { httpApiEvent, restRequestEvent, restTokenEvent, websocketConnectEvent } from '../../support/tokens.js'

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl'
const OTHER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MiJ9.b3RoZXI'
const BOTH: TokenLocations = { queryParam: 'access_token', cookie: 'cube_token' }

const withQuery = <T extends object>(event: T, single: Record<string, string>, multi?: Record<string, string[]>) => ({
  ...event,
  queryStringParameters: single,
  multiValueQueryStringParameters: multi ?? Object.fromEntries(Object.entries(single).map(([k, v]) => [k, [v]])),
})

describe('queryValues', () => {
  it('reads the parameter from both maps, by its exact (case-sensitive) name', () => {
    const event = withQuery(restRequestEvent(), { access_token: JWT, Access_Token: OTHER })
    expect(queryValues(event, 'access_token')).toEqual([JWT, JWT])
    expect(queryValues(event, 'ACCESS_TOKEN')).toEqual([])
  })

  it('sees both values of a repeated parameter (multiValueQueryStringParameters), not only the last', () => {
    expect(queryValues(withQuery(restRequestEvent(), { access_token: OTHER }, { access_token: [JWT, OTHER] }), 'access_token')).toEqual([JWT, OTHER, OTHER])
  })

  it('ignores null maps, inherited names and non-string values', () => {
    expect(queryValues({ queryStringParameters: null, multiValueQueryStringParameters: null }, 'access_token')).toEqual([])
    expect(queryValues({ queryStringParameters: {} }, 'constructor')).toEqual([])
    expect(queryValues({ queryStringParameters: { access_token: 5 }, multiValueQueryStringParameters: { access_token: 'x' } }, 'access_token')).toEqual([])
  })
})

describe('cookieValues', () => {
  it('reads an HTTP API cookies array', () => {
    expect(cookieValues({ cookies: ['theme=dark', `cube_token=${JWT}`] }, 'cube_token')).toEqual([JWT])
  })

  it('reads Cookie headers of REST and WebSocket events under any spelling, with spaces and quotes', () => {
    expect(cookieValues({ headers: { Cookie: `a=1; cube_token="${JWT}" ;b=2` } }, 'cube_token')).toEqual([JWT])
    expect(cookieValues({ multiValueHeaders: { cookie: ['a=1', `cube_token=${JWT}`] } }, 'cube_token')).toEqual([JWT])
  })

  it('matches the whole name only and returns every same-named cookie', () => {
    expect(cookieValues({ headers: { cookie: `xcube_token=${OTHER}; cube_token_old=${OTHER}` } }, 'cube_token')).toEqual([])
    expect(cookieValues({ headers: { cookie: `cube_token=${JWT}; cube_token=${OTHER}` } }, 'cube_token')).toEqual([JWT, OTHER])
  })
})

describe('parseEvent with a query parameter and a cookie configured', () => {
  it('takes the token from the query string of REST, WebSocket $connect and HTTP API events, naming the source', () => {
    for (const event of [restRequestEvent(), websocketConnectEvent(), httpApiEvent()]) {
      expect(parseEvent(withQuery(event, { access_token: JWT }), BOTH)).toMatchObject({ token: JWT, source: 'query' })
    }
  })

  it('takes the token from a cookie: the HTTP API cookies array, a REST or WebSocket Cookie header', () => {
    expect(parseEvent({ ...httpApiEvent(), cookies: [`cube_token=${JWT}`] }, BOTH)).toMatchObject({ token: JWT, source: 'cookie' })
    expect(parseEvent(restRequestEvent({ Cookie: `cube_token=${JWT}` }), BOTH)).toMatchObject({ token: JWT, source: 'cookie' })
    expect(parseEvent(websocketConnectEvent({ Cookie: `cube_token=${JWT}` }), BOTH)).toMatchObject({ token: JWT, source: 'cookie' })
  })

  it('ignores both places unless configured', () => {
    expect(parseEvent(withQuery(restRequestEvent({ Cookie: `cube_token=${JWT}` }), { access_token: JWT })).token).toBeUndefined()
    expect(parseEvent(withQuery(restRequestEvent(), { access_token: JWT }), { queryParam: undefined, cookie: 'cube_token' }).token).toBeUndefined()
  })

  it('accepts the same credential in several places (Bearer or bare)', () => {
    const event = withQuery(restRequestEvent({ Authorization: `Bearer ${JWT}`, Cookie: `cube_token=${JWT}` }), { access_token: JWT })
    expect(parseEvent(event, BOTH)).toMatchObject({ token: JWT, source: 'header' })
  })

  it.each([
    ['a header and the query string', withQuery(restRequestEvent({ Authorization: `Bearer ${JWT}` }), { access_token: OTHER })],
    ['a header and a cookie', restRequestEvent({ Authorization: `Bearer ${JWT}`, Cookie: `cube_token=${OTHER}` })],
    ['the query string and a cookie', withQuery(websocketConnectEvent({ Cookie: `cube_token=${OTHER}` }), { access_token: JWT })],
    ['two values of the query parameter', withQuery(restRequestEvent(), { access_token: OTHER }, { access_token: [JWT, OTHER] })],
    ['two same-named cookies', restRequestEvent({ Cookie: `cube_token=${JWT}; cube_token=${OTHER}` })],
    ['the HTTP API cookies array and a header', { ...httpApiEvent({ Authorization: `Bearer ${JWT}` }), cookies: [`cube_token=${OTHER}`] }],
  ])('refuses different credentials in %s as credentials_ambiguous', (_what, event) => {
    expect(codeOfThrow(() => parseEvent(event, BOTH))).toBe(ErrorCode.CREDENTIALS_AMBIGUOUS)
  })

  it('refuses an HTTP API query parameter repeated with different values (joined with a comma) as malformed', () => {
    expect(codeOfThrow(() => parseEvent(withQuery(httpApiEvent(), { access_token: `${JWT},${OTHER}` }), BOTH))).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('treats a blank parameter or cookie as absent', () => {
    expect(parseEvent(withQuery(restRequestEvent({ Cookie: 'cube_token=' }), { access_token: ' ' }), BOTH).token).toBeUndefined()
  })

  it('reads TOKEN events from their one header only', () => {
    expect(parseEvent(restTokenEvent(`Bearer ${JWT}`), BOTH)).toMatchObject({ token: JWT, source: 'header' })
  })
})

describe('parseTokenLocations', () => {
  it('is off by default and reads trimmed names', () => {
    expect(parseTokenLocations({})).toEqual({ queryParam: undefined, cookie: undefined })
    expect(parseTokenLocations({ AUTHORIZER_TOKEN_QUERY_PARAM: ' token ', AUTHORIZER_TOKEN_COOKIE: '__Host-cube' })).toEqual({ queryParam: 'token', cookie: '__Host-cube' })
  })

  it.each([
    ['AUTHORIZER_TOKEN_QUERY_PARAM', 'a b'],
    ['AUTHORIZER_TOKEN_QUERY_PARAM', 'tok&en'],
    ['AUTHORIZER_TOKEN_COOKIE', 'a;b'],
    ['AUTHORIZER_TOKEN_COOKIE', 'a=b'],
    ['AUTHORIZER_TOKEN_COOKIE', 'x'.repeat(65)],
  ] as const)('refuses %s=%s naming the setting', (setting, value) => {
    try {
      parseTokenLocations({ [setting]: value })
      expect.unreachable()
    } catch (error) {
      expect((error as AuthorizerError).setting).toBe(setting)
    }
  })
})
