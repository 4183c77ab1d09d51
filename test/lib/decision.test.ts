// Unit tests for decisions: which response shape each event gets, Allow/Deny contents, and the principalId rule.
import { describe, expect, it } from 'vitest'
import { parseConfig, type Config } from '../../lib/config.js'
import type { Settings } from '../../lib/config-env.js'
import { allow, ANONYMOUS_PRINCIPAL, deny, PRINCIPAL_FALLBACK, principalOf } from '../../lib/decision.js'
import { ErrorCode } from '../../lib/errors.js'
import { codeOfThrow } from '../support/errors.js'
import { EventKind, type AuthorizerRequest } from '../../lib/event.js'

const PREFIX = 'arn:aws:execute-api:eu-west-1:123456789012'
const REST: AuthorizerRequest = { kind: EventKind.REST_REQUEST, arn: `${PREFIX}:abc/prod/GET/whoami`, token: 'x' }
const REST_TOKEN: AuthorizerRequest = { kind: EventKind.REST_TOKEN, arn: `${PREFIX}:abc/prod/GET/whoami`, token: 'x' }
const WEBSOCKET: AuthorizerRequest = { kind: EventKind.WEBSOCKET_REQUEST, arn: `${PREFIX}:ws1/prod/$connect`, token: 'x' }
const HTTP: AuthorizerRequest = { kind: EventKind.HTTP_REQUEST, arn: `${PREFIX}:http1/$default/GET/whoami`, token: 'x' }

const config = (settings: Settings = {}): Config => parseConfig({ CUBEJS_API_SECRET: 'decision-test-secret-0123456789abcdef0123456789abcdef0123456789a', ...settings })
const SIMPLE = { AUTHORIZER_RESPONSE_FORMAT: 'simple' } as const

describe('allow', () => {
  it('gives a REST request a stage-wide Allow policy carrying the context', () => {
    expect(allow(config(), REST, 'u1', { userId: 'u1', tenant: { id: 1 } })).toEqual({
      principalId: 'u1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${PREFIX}:abc/prod/*/*` }],
      },
      context: { securityContext: '{"userId":"u1","tenant":{"id":1}}', userId: 'u1' },
    })
  })

  it('gives a WebSocket $connect request an Allow policy for the whole stage', () => {
    const result = allow(config(), WEBSOCKET, 'u1', {})
    expect(result).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Allow', Resource: `${PREFIX}:ws1/prod/*` }] } })
  })

  it('gives an HTTP API request an IAM policy by default', () => {
    const result = allow(config(), HTTP, 'u1', {})
    expect(result).toMatchObject({ principalId: 'u1', policyDocument: { Statement: [{ Effect: 'Allow', Resource: `${PREFIX}:http1/$default/*/*` }] } })
  })

  it('gives an HTTP API request a simple response when the format is simple', () => {
    expect(allow(config(SIMPLE), HTTP, 'u1', { userId: 'u1' })).toEqual({
      isAuthorized: true,
      context: { securityContext: '{"userId":"u1"}', userId: 'u1' },
    })
  })

  it.each([
    ['REST REQUEST', REST],
    ['REST TOKEN', REST_TOKEN],
    ['WebSocket', WEBSOCKET],
  ])('gives a %s request an IAM policy even when the format is simple', (_name, request) => {
    const result = allow(config(SIMPLE), request, 'u1', {})
    expect(result).toHaveProperty('policyDocument')
    expect(result).not.toHaveProperty('isAuthorized')
  })

  it('keeps the request ARN as the resource with route scope', () => {
    const result = allow(config({ AUTHORIZER_POLICY_SCOPE: 'route' }), REST, 'u1', {})
    expect(result).toMatchObject({ policyDocument: { Statement: [{ Resource: REST.arn }] } })
  })

  it('fails closed with context_too_large when the security context does not fit', () => {
    const big = { claims: 'x'.repeat(9000) }
    expect(codeOfThrow(() => allow(config(), REST, 'u1', big))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
    expect(codeOfThrow(() => allow(config(SIMPLE), HTTP, 'u1', big))).toBe(ErrorCode.CONTEXT_TOO_LARGE)
  })

  it('fails with event_unknown for a malformed ARN under stage scope', () => {
    expect(codeOfThrow(() => allow(config(), { ...REST, arn: 'garbage' }, 'u1', {}))).toBe(ErrorCode.EVENT_UNKNOWN)
    expect(codeOfThrow(() => deny(config(), { ...REST, arn: 'garbage' }, 'u1'))).toBe(ErrorCode.EVENT_UNKNOWN)
  })
})

describe('deny', () => {
  it('gives a REST request a stage-wide Deny policy without context', () => {
    expect(deny(config(), REST, 'u1')).toEqual({
      principalId: 'u1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${PREFIX}:abc/prod/*/*` }],
      },
    })
  })

  it('gives an HTTP API request isAuthorized false when the format is simple', () => {
    expect(deny(config(SIMPLE), HTTP, 'u1')).toEqual({ isAuthorized: false })
  })

  it('gives an HTTP API request a Deny policy by default', () => {
    expect(deny(config(), HTTP, 'u1')).toMatchObject({ policyDocument: { Statement: [{ Effect: 'Deny' }] } })
  })

  it('gives a REST request a Deny policy even when the format is simple', () => {
    expect(deny(config(SIMPLE), REST, 'u1')).toMatchObject({ principalId: 'u1', policyDocument: { Statement: [{ Effect: 'Deny' }] } })
  })
})

describe('principalOf', () => {
  it('uses sub when it is a usable string', () => {
    expect(principalOf({ sub: 'user-123' })).toBe('user-123')
    expect(principalOf({ sub: 'x'.repeat(256) })).toBe('x'.repeat(256))
  })

  it.each([
    ['missing', {}],
    ['empty', { sub: '' }],
    ['a number', { sub: 123 }],
    ['an object', { sub: { id: 'u' } }],
    ['null', { sub: null }],
    ['longer than 256 characters', { sub: 'x'.repeat(257) }],
  ])('falls back to cube-user when sub is %s', (_name, payload) => {
    expect(principalOf(payload)).toBe(PRINCIPAL_FALLBACK)
  })

  it('uses documented, distinct fallback and anonymous principals', () => {
    expect([PRINCIPAL_FALLBACK, ANONYMOUS_PRINCIPAL]).toEqual(['cube-user', 'anonymous'])
  })
})
