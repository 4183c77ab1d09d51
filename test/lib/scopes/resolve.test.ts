// Which Cube API scopes a request gets: contextToApiScopes, else the scopes claim, else CUBEJS_DEFAULT_API_SCOPES, else Cube's set.
import { describe, expect, it } from 'vitest'
import { parseAccessConfig } from '../../../lib/settings/access.js'
import type { Settings } from '../../../lib/settings/env.js'
import { resolveGrants, ScopeNote } from '../../../lib/scopes/resolve.js'
import type { ContextToApiScopes } from '../../../lib/scopes/cube.js'
import { AuthorizerError, ErrorCode } from '../../../lib/errors.js'

function access(settings: Settings = {}) {
  const config = parseAccessConfig({ AUTHORIZER_CUBE_API_SCOPES: 'true', ...settings }, { simpleResponses: false, routePolicyScope: false }, () => {})
  if (config === undefined) throw new Error('scopes should be on')
  return config
}

const resolve = (settings: Settings, payload: Record<string, unknown>, contextToApiScopes?: ContextToApiScopes, securityContext = payload) =>
  resolveGrants({ access: access(settings), contextToApiScopes, payload, securityContext })

describe('resolveGrants', () => {
  it("grants Cube's default set when nothing else says otherwise, and notes it", async () => {
    const { grants, notes } = await resolve({}, { sub: 'a' })
    expect(grants.apiScopes).toEqual(['graphql', 'meta', 'data', 'sql'])
    expect(notes).toEqual([ScopeNote.DEFAULT_SCOPES])
  })

  it('grants CUBEJS_DEFAULT_API_SCOPES instead when it is set', async () => {
    expect((await resolve({ CUBEJS_DEFAULT_API_SCOPES: 'meta' }, {})).grants.apiScopes).toEqual(['meta'])
  })

  it('grants what the scopes claim names: a space-separated string or a list', async () => {
    expect((await resolve({ AUTHORIZER_SCOPES_CLAIM: 'scope' }, { scope: 'meta  data' })).grants.apiScopes).toEqual(['meta', 'data'])
    expect((await resolve({ AUTHORIZER_SCOPES_CLAIM: 'scp' }, { scp: ['jobs'] })).grants.apiScopes).toEqual(['jobs'])
    const namespaced = 'https://example.com/cube_scopes'
    expect((await resolve({ AUTHORIZER_SCOPES_CLAIM: namespaced }, { [namespaced]: 'sql' })).grants.apiScopes).toEqual(['sql'])
  })

  it('ignores unknown names in the claim with a reason code, never granting more', async () => {
    const { grants, notes } = await resolve({ AUTHORIZER_SCOPES_CLAIM: 'scope' }, { scope: 'openid meta orders:read' })
    expect(grants.apiScopes).toEqual(['meta'])
    expect(grants.tokenScopes).toEqual(['openid', 'meta', 'orders:read'])
    expect(notes).toEqual([ScopeNote.UNKNOWN_SCOPE_IGNORED])
  })

  it('grants nothing from a claim that is neither a string nor a list of strings', async () => {
    for (const scope of [42, { meta: true }, ['meta', 1], null]) {
      const { grants, notes } = await resolve({ AUTHORIZER_SCOPES_CLAIM: 'scope' }, { scope })
      expect(grants.apiScopes).toEqual([])
      expect(notes).toEqual([ScopeNote.CLAIM_INVALID])
    }
  })

  it('falls back to the defaults for a token without the claim', async () => {
    expect((await resolve({ AUTHORIZER_SCOPES_CLAIM: 'scope', CUBEJS_DEFAULT_API_SCOPES: 'meta' }, {})).grants.apiScopes).toEqual(['meta'])
  })

  it("lets contextToApiScopes decide, with Cube's arguments: the security context and the defaults", async () => {
    const calls: unknown[][] = []
    const fn: ContextToApiScopes = (securityContext, defaults) => {
      calls.push([securityContext, defaults])
      return securityContext.role === 'admin' ? [...defaults, 'jobs'] : ['meta']
    }
    const settings = { AUTHORIZER_SCOPES_CLAIM: 'scope', CUBEJS_DEFAULT_API_SCOPES: 'meta,data' }
    expect((await resolve(settings, { role: 'admin', scope: 'graphql' }, fn)).grants.apiScopes).toEqual(['meta', 'data', 'jobs'])
    expect((await resolve(settings, { role: 'viewer', scope: 'graphql' }, fn)).grants.apiScopes).toEqual(['meta'])
    expect(calls[0]).toEqual([{ role: 'admin', scope: 'graphql' }, ['meta', 'data']])
  })

  it('keeps the security context safe from a contextToApiScopes that mutates its argument', async () => {
    const securityContext = { role: 'viewer' }
    await resolve({}, securityContext, (ctx) => {
      ctx.role = 'admin'
      return ['meta']
    })
    expect(securityContext.role).toBe('viewer')
  })

  it.each([
    ['returns no list', () => 'meta' as unknown as string[]],
    ['returns an unknown scope (Cube throws too)', () => ['meta', 'admin']],
    ['throws', () => {
      throw new Error('boom')
    }],
  ])('fails closed with api_scopes_invalid when contextToApiScopes %s', async (_name, fn) => {
    const error = await resolve({}, {}, fn as ContextToApiScopes).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AuthorizerError)
    expect((error as AuthorizerError).code).toBe(ErrorCode.API_SCOPES_INVALID)
  })

  it('hands route rules the raw token scopes and the security context as claims', async () => {
    const { grants } = await resolve({ AUTHORIZER_SCOPES_CLAIM: 'scp' }, { scp: ['orders:read'] }, undefined, { tenant: 'acme' })
    expect(grants.tokenScopes).toEqual(['orders:read'])
    expect(grants.claims).toEqual({ tenant: 'acme' })
  })
})
