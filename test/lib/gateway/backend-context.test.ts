// Reading the authorizer context in a backend, for REST (payload 1.0) and HTTP API (payload 2.0) proxy events.
import { describe, expect, it } from 'vitest'
import { authorizerContextOf, authorizerOf, securityContextOf } from '../../../lib/gateway/backend-context.js'

const CONTEXT = { securityContext: '{"tenant":"acme","sub":"alice"}', tenant: 'acme', sub: 'alice' }
const restEvent = { requestContext: { authorizer: { ...CONTEXT, principalId: 'alice', integrationLatency: 3 } } }
const httpApiEvent = { version: '2.0', requestContext: { authorizer: { lambda: CONTEXT } } }

describe('backend context', () => {
  it('returns requestContext.authorizer exactly as received', () => {
    expect(authorizerOf(restEvent)).toBe(restEvent.requestContext.authorizer)
    expect(authorizerOf(httpApiEvent)).toBe(httpApiEvent.requestContext.authorizer)
  })

  it('finds the flat context under authorizer (REST) and authorizer.lambda (HTTP API)', () => {
    expect(authorizerContextOf(restEvent)).toMatchObject(CONTEXT)
    expect(authorizerContextOf(httpApiEvent)).toBe(CONTEXT)
  })

  it('parses the security context for both payload versions', () => {
    expect(securityContextOf(restEvent)).toStrictEqual({ tenant: 'acme', sub: 'alice' })
    expect(securityContextOf(httpApiEvent)).toStrictEqual({ tenant: 'acme', sub: 'alice' })
  })

  it('has no security context when no authorizer ran or its context is not a JSON object', () => {
    expect(securityContextOf({ requestContext: {} })).toBeUndefined()
    expect(securityContextOf(undefined)).toBeUndefined()
    expect(securityContextOf('event')).toBeUndefined()
    expect(securityContextOf({ requestContext: { authorizer: { securityContext: '{not json' } } })).toBeUndefined()
    expect(securityContextOf({ requestContext: { authorizer: { securityContext: '["a"]' } } })).toBeUndefined()
    expect(securityContextOf({ requestContext: { authorizer: { securityContext: { tenant: 'acme' } } } })).toBeUndefined()
  })
})
