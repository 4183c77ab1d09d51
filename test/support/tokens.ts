// Shared test helpers: realistic API Gateway authorizer events, tokens minted with jose, and a capturing logger.
import { SignJWT, type JWTHeaderParameters, type JWTPayload, type KeyInput } from 'jose'
import { jsonLogger, LogLevel, type Logger } from '../../lib/observe/logger.js'

export const ACCOUNT_ID = '123456789012'
export const API_ID = 'abcdef1234'
export const REGION = 'us-east-1'
export const ARN_PREFIX = `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${API_ID}`
/** The ARNs the builders put in their events, and the stage-wide policy resources they widen to. */
export const METHOD_ARN = `${ARN_PREFIX}/prod/GET/whoami`
export const WEBSOCKET_ARN = `${ARN_PREFIX}/prod/$connect`
export const ROUTE_ARN = `${ARN_PREFIX}/$default/GET/whoami`
export const REST_STAGE_RESOURCE = `${ARN_PREFIX}/prod/*/*`
export const WEBSOCKET_STAGE_RESOURCE = `${ARN_PREFIX}/prod/*`
export const HTTP_STAGE_RESOURCE = `${ARN_PREFIX}/$default/*/*`

type Headers = Readonly<Record<string, string>>

const REQUEST_TIME = '09/Apr/2015:12:34:56 +0000'
const REQUEST_TIME_EPOCH_MS = 1428582896000
const SOURCE_IP = '203.0.113.10'
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) cube-jwt-authorizer-tests'

const multi = (headers: Headers): Record<string, string[]> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]))

/** REST API TOKEN authorizer event (as in the API Gateway developer guide). */
export function restTokenEvent(authorizationToken?: string) {
  return {
    type: 'TOKEN',
    methodArn: METHOD_ARN,
    ...(authorizationToken === undefined ? {} : { authorizationToken }),
  }
}

/** REST API REQUEST authorizer event, payload 1.0. */
export function restRequestEvent(headers: Headers = {}) {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/whoami',
    path: '/whoami',
    httpMethod: 'GET',
    headers: { Accept: 'application/json', Host: `${API_ID}.execute-api.${REGION}.amazonaws.com`, 'User-Agent': USER_AGENT, ...headers },
    multiValueHeaders: { Accept: ['application/json'], Host: [`${API_ID}.execute-api.${REGION}.amazonaws.com`], 'User-Agent': [USER_AGENT], ...multi(headers) },
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    pathParameters: {},
    stageVariables: {},
    requestContext: {
      path: '/prod/whoami',
      accountId: ACCOUNT_ID,
      resourceId: 'a1b2c3',
      stage: 'prod',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      identity: { apiKey: '', sourceIp: SOURCE_IP, userAgent: USER_AGENT },
      resourcePath: '/whoami',
      httpMethod: 'GET',
      apiId: API_ID,
    },
  }
}

/** WebSocket API $connect REQUEST authorizer event. */
export function websocketConnectEvent(headers: Headers = {}) {
  return {
    type: 'REQUEST',
    methodArn: WEBSOCKET_ARN,
    headers: { Host: `${API_ID}.execute-api.${REGION}.amazonaws.com`, 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    multiValueHeaders: { Host: [`${API_ID}.execute-api.${REGION}.amazonaws.com`], 'Sec-WebSocket-Version': ['13'], 'Sec-WebSocket-Key': ['dGhlIHNhbXBsZSBub25jZQ=='], ...multi(headers) },
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    stageVariables: {},
    requestContext: {
      routeKey: '$connect',
      eventType: 'CONNECT',
      extendedRequestId: 'ABCD1234EFGHIJ=',
      requestTime: REQUEST_TIME,
      messageDirection: 'IN',
      stage: 'prod',
      connectedAt: REQUEST_TIME_EPOCH_MS,
      requestTimeEpoch: REQUEST_TIME_EPOCH_MS,
      identity: { sourceIp: SOURCE_IP, userAgent: USER_AGENT },
      requestId: 'ABCD1234EFGHIJ=',
      domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
      connectionId: 'XaBcDeFgIAMCJXA=',
      apiId: API_ID,
    },
  }
}

/** HTTP API REQUEST authorizer event, payload 2.0 (header names arrive lower-cased). */
export function httpApiEvent(headers: Headers = {}) {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: ROUTE_ARN,
    identitySource: Object.values(lower).filter((value) => value !== ''),
    routeKey: 'GET /whoami',
    rawPath: '/whoami',
    rawQueryString: '',
    headers: { accept: 'application/json', host: `${API_ID}.execute-api.${REGION}.amazonaws.com`, 'user-agent': USER_AGENT, ...lower },
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
      domainPrefix: API_ID,
      http: { method: 'GET', path: '/whoami', protocol: 'HTTP/1.1', sourceIp: SOURCE_IP, userAgent: USER_AGENT },
      requestId: 'id-2b7f1c',
      routeKey: 'GET /whoami',
      stage: '$default',
      time: '12/Mar/2020:19:03:58 +0000',
      timeEpoch: 1584039838000,
    },
    pathParameters: {},
    stageVariables: {},
  }
}

export interface CapturedLogger {
  readonly logger: Logger
  /** Raw lines exactly as the production JSON logger would write them. */
  readonly lines: string[]
  entries(): Array<Record<string, unknown>>
  /** Entries whose message is `message` (e.g. 'decision', 'dev_mode'). */
  named(message: string): Array<Record<string, unknown>>
}

/** The production JSON logger at debug level, writing into an array instead of stdout. */
export function capturedLogger(now: () => number = () => 0): CapturedLogger {
  const lines: string[] = []
  const logger = jsonLogger(LogLevel.DEBUG, (line) => lines.push(line), now)
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  return { logger, lines, entries, named: (message) => entries().filter((entry) => entry.message === message) }
}

const encoder = new TextEncoder()

/** A token signed with `alg` by `key`; claims go in verbatim (no iat/exp unless given), header members are added. */
export function signed(
  alg: string,
  key: KeyInput | string,
  claims: JWTPayload = {},
  header: Partial<JWTHeaderParameters> = {},
): Promise<string> {
  const material = typeof key === 'string' ? encoder.encode(key) : key
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', ...header, alg }).sign(material)
}

/** An HS256 token as Cube's examples mint them: the secret's UTF-8 bytes are the HMAC key. */
export function hs256(secret: string, claims: JWTPayload = {}, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  return signed('HS256', secret, claims, header)
}

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Swaps the payload for other claims and keeps the original signature: what an attacker editing a token does. */
export function withPayload(token: string, claims: object): string {
  const [header, , signature] = token.split('.')
  return `${header}.${segment(claims)}.${signature}`
}

/** Flips the signature's first character (which carries six full bits, so the decoded bytes always change). */
export function withBadSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.')
  const first = signature[0] === 'A' ? 'B' : 'A'
  return `${header}.${payload}.${first}${signature.slice(1)}`
}

/** An unsigned `alg: none` token. */
export function unsigned(claims: object): string {
  return `${segment({ alg: 'none', typ: 'JWT' })}.${segment(claims)}.`
}
