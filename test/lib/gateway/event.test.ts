// Unit tests for event recognition and token extraction across REST TOKEN/REQUEST, WebSocket $connect and HTTP API 2.0.
import type {
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { codeOfThrow } from '../../support/errors.js'
import { parseCredential } from '../../../lib/gateway/credential.js'
import { EventKind, parseEvent } from '../../../lib/gateway/event.js'

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl'
const OTHER_JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MiJ9.b3RoZXI'
const REST_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/cubejs-api/v1/load'
const WS_ARN = 'arn:aws:execute-api:us-east-1:123456789012:ws0987/prod/$connect'
const HTTP_ARN = 'arn:aws:execute-api:us-east-1:123456789012:http456/$default/GET/cubejs-api/v1/load'

type Headers = Record<string, string>
type MultiHeaders = Record<string, string[]>

function tokenEvent(authorizationToken: string): APIGatewayTokenAuthorizerEvent {
  return { type: 'TOKEN', methodArn: REST_ARN, authorizationToken }
}

function restRequest(headers: Headers | null, multiValueHeaders?: MultiHeaders | null): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: REST_ARN,
    resource: '/cubejs-api/v1/load',
    path: '/cubejs-api/v1/load',
    httpMethod: 'GET',
    headers,
    multiValueHeaders: multiValueHeaders === undefined ? Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, [v]])) : multiValueHeaders,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: 'GET',
      path: '/prod/cubejs-api/v1/load',
      stage: 'prod',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: 1_700_000_000_000,
      resourceId: 'res1',
      resourcePath: '/cubejs-api/v1/load',
      identity: {} as APIGatewayRequestAuthorizerEvent['requestContext']['identity'],
    },
  }
}

function websocketConnect(headers: Headers): Record<string, unknown> {
  return {
    type: 'REQUEST',
    methodArn: WS_ARN,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    requestContext: {
      routeKey: '$connect',
      eventType: 'CONNECT',
      stage: 'prod',
      connectionId: 'L1bGxcZ2IAMCKbw=',
      requestId: 'L1bGxFcLIAMFsUQ=',
      apiId: 'ws0987',
      connectedAt: 1_700_000_000_000,
    },
  }
}

function httpRequest(headers: Headers | undefined): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: HTTP_ARN,
    identitySource: [],
    routeKey: 'GET /cubejs-api/v1/load',
    rawPath: '/cubejs-api/v1/load',
    rawQueryString: '',
    cookies: [],
    ...(headers === undefined ? {} : { headers }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'http456',
      domainName: 'http456.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'http456',
      http: { method: 'GET', path: '/cubejs-api/v1/load', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'id',
      routeKey: 'GET /cubejs-api/v1/load',
      stage: '$default',
      time: '12/Mar/2024:19:03:58 +0000',
      timeEpoch: 1_710_270_238_000,
    },
  }
}

describe('event kinds', () => {
  it('reads a REST TOKEN event: its authorizationToken and methodArn', () => {
    expect(parseEvent(tokenEvent(`Bearer ${JWT}`))).toEqual({ kind: EventKind.REST_TOKEN, arn: REST_ARN, token: JWT, source: 'header' })
  })

  it('reads a REST REQUEST event (payload 1.0) from its headers', () => {
    expect(parseEvent(restRequest({ Authorization: `Bearer ${JWT}` }))).toEqual({ kind: EventKind.REST_REQUEST, arn: REST_ARN, token: JWT, source: 'header' })
  })

  it('reads a WebSocket $connect REQUEST event as a WebSocket request', () => {
    expect(parseEvent(websocketConnect({ Authorization: JWT }))).toEqual({ kind: EventKind.WEBSOCKET_REQUEST, arn: WS_ARN, token: JWT, source: 'header' })
  })

  it('reads an HTTP API payload 2.0 event from its routeArn and lower-case headers', () => {
    expect(parseEvent(httpRequest({ authorization: `Bearer ${JWT}` }))).toEqual({ kind: EventKind.HTTP_REQUEST, arn: HTTP_ARN, token: JWT, source: 'header' })
  })

  it('reports no token for an HTTP API event without headers', () => {
    expect(parseEvent(httpRequest(undefined)).token).toBeUndefined()
  })

  it('reports no token for a REST REQUEST event whose headers are null', () => {
    expect(parseEvent(restRequest(null, null)).token).toBeUndefined()
  })

  it('reports no token for a TOKEN event whose authorizationToken is not a string', () => {
    expect(parseEvent({ type: 'TOKEN', methodArn: REST_ARN, authorizationToken: 42 }).token).toBeUndefined()
  })
})

describe('credential formats', () => {
  it.each([
    ['Bearer x', 'x'],
    ['bearer x', 'x'],
    ['BEARER x', 'x'],
    ['x', 'x'],
    [`Bearer ${JWT}`, JWT],
    [`  Bearer   ${JWT}  `, JWT],
    [`Bearer\t${JWT}`, JWT],
    [`\t${JWT}\t`, JWT],
  ])('extracts the token from %j', (header, token) => {
    expect(parseCredential(header)).toBe(token)
    expect(parseEvent(tokenEvent(header)).token).toBe(token)
    expect(parseEvent(restRequest({ Authorization: header })).token).toBe(token)
  })

  it.each(['Basic abc', 'Bearer a b', `Bearer ${JWT} extra`, 'Digest username="u"', `Token ${JWT}`])(
    'rejects %j as token_malformed',
    (header) => {
      expect(codeOfThrow(() => parseCredential(header))).toBe(ErrorCode.TOKEN_MALFORMED)
      expect(codeOfThrow(() => parseEvent(tokenEvent(header)))).toBe(ErrorCode.TOKEN_MALFORMED)
      expect(codeOfThrow(() => parseEvent(httpRequest({ authorization: header })))).toBe(ErrorCode.TOKEN_MALFORMED)
    },
  )

  it.each(['', '   ', '\t'])('treats the empty header %j as no token', (header) => {
    expect(parseCredential(header)).toBeUndefined()
    expect(parseEvent(tokenEvent(header)).token).toBeUndefined()
    expect(parseEvent(restRequest({ Authorization: header })).token).toBeUndefined()
  })

  it('treats an absent credential as no token', () => {
    expect(parseCredential(undefined)).toBeUndefined()
    expect(parseEvent(restRequest({ Accept: 'application/json' })).token).toBeUndefined()
  })
})

describe('header choice', () => {
  it('reads X-Cube-Authorization when it is the only credential header', () => {
    expect(parseEvent(restRequest({ 'X-Cube-Authorization': `Bearer ${JWT}` })).token).toBe(JWT)
    expect(parseEvent(httpRequest({ 'x-cube-authorization': JWT })).token).toBe(JWT)
    expect(parseEvent(websocketConnect({ 'X-Cube-Authorization': JWT })).token).toBe(JWT)
  })

  it('rejects X-Cube-Authorization and Authorization with different credentials as credentials_ambiguous', () => {
    const headers = { Authorization: `Bearer ${OTHER_JWT}`, 'X-Cube-Authorization': `Bearer ${JWT}` }
    expect(codeOfThrow(() => parseEvent(restRequest(headers)))).toBe(ErrorCode.CREDENTIALS_AMBIGUOUS)
    expect(codeOfThrow(() => parseEvent(httpRequest({ authorization: OTHER_JWT, 'x-cube-authorization': JWT })))).toBe(ErrorCode.CREDENTIALS_AMBIGUOUS)
    expect(codeOfThrow(() => parseEvent(websocketConnect(headers)))).toBe(ErrorCode.CREDENTIALS_AMBIGUOUS)
  })

  it('falls back to Authorization when X-Cube-Authorization is blank', () => {
    expect(parseEvent(restRequest({ 'X-Cube-Authorization': ' ', Authorization: JWT })).token).toBe(JWT)
  })

  it.each(['authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn', 'x-cube-authorization', 'X-CUBE-AUTHORIZATION'])(
    'finds the header named %s in any case',
    (name) => {
      expect(parseEvent(restRequest({ [name]: `Bearer ${JWT}` })).token).toBe(JWT)
      expect(parseEvent(restRequest({ [name]: `Bearer ${JWT}` }, null)).token).toBe(JWT)
      expect(parseEvent(httpRequest({ [name]: `Bearer ${JWT}` })).token).toBe(JWT)
    },
  )

  it('rejects two different Authorization values in multiValueHeaders as token_malformed', () => {
    const event = restRequest({ Authorization: `Bearer ${JWT}` }, { Authorization: [`Bearer ${JWT}`, `Bearer ${OTHER_JWT}`] })
    expect(codeOfThrow(() => parseEvent(event))).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('rejects two different values spread over differently cased header names', () => {
    const event = restRequest({ Authorization: JWT }, { Authorization: [JWT], authorization: [OTHER_JWT] })
    expect(codeOfThrow(() => parseEvent(event))).toBe(ErrorCode.TOKEN_MALFORMED)
    expect(codeOfThrow(() => parseEvent(restRequest({ Authorization: JWT, authorization: OTHER_JWT }, null)))).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('rejects two different X-Cube-Authorization values even when Authorization is single', () => {
    const event = restRequest({}, { 'X-Cube-Authorization': [JWT, OTHER_JWT], Authorization: [JWT] })
    expect(codeOfThrow(() => parseEvent(event))).toBe(ErrorCode.TOKEN_MALFORMED)
  })

  it('accepts the same Authorization value sent twice', () => {
    const event = restRequest({ Authorization: `Bearer ${JWT}` }, { Authorization: [`Bearer ${JWT}`, `Bearer ${JWT}`] })
    expect(parseEvent(event).token).toBe(JWT)
  })

  it('refuses headers and multiValueHeaders that disagree, rather than trusting either', () => {
    const event = restRequest({ Authorization: OTHER_JWT }, { Authorization: [JWT] })
    expect(codeOfThrow(() => parseEvent(event))).toBe(ErrorCode.TOKEN_MALFORMED)
  })
})

describe('unknown events', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'Bearer x'],
    ['an array', [tokenEvent(JWT)]],
    ['an object without methodArn', { type: 'TOKEN', authorizationToken: JWT }],
    ['a methodArn that is not a string', { type: 'TOKEN', authorizationToken: JWT, methodArn: 42 }],
    ['type FOO', { type: 'FOO', methodArn: REST_ARN, authorizationToken: JWT }],
    ['no type', { methodArn: REST_ARN, authorizationToken: JWT }],
    ['version 2.0 without routeArn or methodArn', { version: '2.0', type: 'REQUEST', headers: { authorization: JWT } }],
  ])('reports %s as event_unknown', (_name, event) => {
    expect(codeOfThrow(() => parseEvent(event))).toBe(ErrorCode.EVENT_UNKNOWN)
  })
})
