// Settings of Cube API scopes and route requirements: defaults, Cube's scope rules, and errors that name the setting and rule.
import { describe, expect, it } from 'vitest'
import { parseAccessConfig, parseBasePath, type AccessContext } from '../../../lib/settings/access.js'
import { parseConfig } from '../../../lib/settings/config.js'
import { parseRouteRequirements } from '../../../lib/settings/route-requirements.js'
import type { Settings } from '../../../lib/settings/env.js'
import { AuthorizerError } from '../../../lib/errors.js'

const IAM: AccessContext = { simpleResponses: false, routePolicyScope: false }
const SECRET = 'settings-secret-2b7e151628aed2a6abf71589'

function parse(settings: Settings, context: AccessContext = IAM) {
  const warnings: Array<[string, string]> = []
  const access = parseAccessConfig(settings, context, (setting, detail) => warnings.push([setting, detail]))
  return { access, warnings }
}

function errorOf(fn: () => unknown): AuthorizerError {
  try {
    fn()
  } catch (error) {
    if (error instanceof AuthorizerError) return error
    throw error
  }
  throw new Error('expected a configuration error')
}

describe('parseAccessConfig', () => {
  it('is off unless AUTHORIZER_CUBE_API_SCOPES=true or route requirements are set (today behaviour)', () => {
    expect(parse({}).access).toBeUndefined()
    expect(parse({ AUTHORIZER_CUBE_API_SCOPES: 'false', AUTHORIZER_UNSCOPED_ROUTES: 'allow' }).access).toBeUndefined()
    expect(parseConfig({ CUBEJS_API_SECRET: SECRET }).access).toBeUndefined()
  })

  it("turns on Cube's scopes with Cube's default set, unscoped routes denied and per-token caching assumed", () => {
    const { access } = parse({ AUTHORIZER_CUBE_API_SCOPES: 'true' })
    expect(access?.defaultApiScopes).toEqual(['graphql', 'meta', 'data', 'sql'])
    expect(access?.unscopedRoutes).toBe('deny')
    expect(access?.resultCache).toBe('per-token')
    expect(access?.rules.map((r) => [r.label, r.method, r.path])).toEqual([
      ['cube scope graphql', '*', '/cubejs-api/graphql*'],
      ['cube scope data', '*', '/cubejs-api/v1/load*'],
      ['cube scope data', '*', '/cubejs-api/v1/subscribe*'],
      ['cube scope sql', '*', '/cubejs-api/v1/sql*'],
      ['cube scope data', '*', '/cubejs-api/v1/dry-run*'],
      ['cube scope sql', '*', '/cubejs-api/v1/convert-query*'],
      ['cube scope meta', '*', '/cubejs-api/v1/meta*'],
      ['cube scope data', '*', '/cubejs-api/v1/cubesql*'],
      ['cube scope meta', '*', '/cubejs-api/v1/pre-aggregations/can-use*'],
      ['cube scope jobs', '*', '/cubejs-api/v1/pre-aggregations/jobs*'],
    ])
  })

  it('puts the scope rules under AUTHORIZER_CUBE_BASE_PATH, or at the root', () => {
    expect(parse({ AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_CUBE_BASE_PATH: '/analytics/cube' }).access?.rules[0]?.path).toBe('/analytics/cube/graphql*')
    expect(parse({ AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_CUBE_BASE_PATH: '/' }).access?.rules[1]?.path).toBe('/v1/load*')
  })

  it.each(['cubejs-api', '/cubejs-api/', '/cube*', '/a//b', '/with space'])('refuses the base path %j', (value) => {
    expect(errorOf(() => parseBasePath(value)).setting).toBe('AUTHORIZER_CUBE_BASE_PATH')
  })

  it('keeps the known names of CUBEJS_DEFAULT_API_SCOPES and warns about the others, naming them', () => {
    const { access, warnings } = parse({ AUTHORIZER_CUBE_API_SCOPES: 'true', CUBEJS_DEFAULT_API_SCOPES: 'meta, data ,dashboards' })
    expect(access?.defaultApiScopes).toEqual(['meta', 'data'])
    expect(warnings).toEqual([['CUBEJS_DEFAULT_API_SCOPES', 'unknown API scopes ignored: dashboards']])
  })

  it('reads AUTHORIZER_UNSCOPED_ROUTES and AUTHORIZER_RESULT_CACHE', () => {
    const { access } = parse({ AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_UNSCOPED_ROUTES: 'allow', AUTHORIZER_RESULT_CACHE: 'off' })
    expect([access?.unscopedRoutes, access?.resultCache]).toEqual(['allow', 'off'])
    expect(errorOf(() => parse({ AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_UNSCOPED_ROUTES: 'open' })).setting).toBe('AUTHORIZER_UNSCOPED_ROUTES')
    expect(errorOf(() => parse({ AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_RESULT_CACHE: '300' })).setting).toBe('AUTHORIZER_RESULT_CACHE')
  })

  it('refuses simple responses with per-token caching: one cached answer would serve every route', () => {
    const simple = { simpleResponses: true, routePolicyScope: false }
    const error = errorOf(() => parse({ AUTHORIZER_CUBE_API_SCOPES: 'true' }, simple))
    expect(error.setting).toBe('AUTHORIZER_RESULT_CACHE')
    expect(error.message).toMatch(/per-route|off/)
    expect(parse({ AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_RESULT_CACHE: 'per-route' }, simple).access?.resultCache).toBe('per-route')
    expect(parse({ AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_RESULT_CACHE: 'off' }, simple).access?.resultCache).toBe('off')
    // The same check through the whole configuration.
    const settings = { CUBEJS_API_SECRET: SECRET, AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_RESPONSE_FORMAT: 'simple' }
    expect(errorOf(() => parseConfig(settings)).setting).toBe('AUTHORIZER_RESULT_CACHE')
  })

  it('refuses AUTHORIZER_POLICY_SCOPE=route with scopes on', () => {
    const settings = { CUBEJS_API_SECRET: SECRET, AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_POLICY_SCOPE: 'route' }
    expect(errorOf(() => parseConfig(settings)).setting).toBe('AUTHORIZER_POLICY_SCOPE')
  })

  it('needs AUTHORIZER_SCOPES_CLAIM when a rule requires scopes, naming that rule', () => {
    const rules = JSON.stringify([{ route: 'GET /a', claims: { tier: 'gold' } }, { route: 'GET /b', scopes: ['b:read'] }])
    const error = errorOf(() => parse({ AUTHORIZER_ROUTE_REQUIREMENTS: rules }))
    expect(error.setting).toBe('AUTHORIZER_SCOPES_CLAIM')
    expect(error.message).toContain('AUTHORIZER_ROUTE_REQUIREMENTS[1]')
    expect(parse({ AUTHORIZER_ROUTE_REQUIREMENTS: rules, AUTHORIZER_SCOPES_CLAIM: 'scp' }).access?.requirementCount).toBe(2)
  })

  it('puts Cube scope rules first and route requirements after, in order', () => {
    const rules = JSON.stringify([{ route: 'GET /orders/*', scopes: ['orders:read'] }])
    const { access } = parse({ AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_ROUTE_REQUIREMENTS: rules, AUTHORIZER_SCOPES_CLAIM: 'scope' })
    expect(access?.rules.at(-1)).toEqual({ label: 'AUTHORIZER_ROUTE_REQUIREMENTS[0]', method: 'GET', path: '/orders/*', scopes: ['orders:read'] })
    expect(access?.rules).toHaveLength(11)
  })
})

describe('parseRouteRequirements', () => {
  it('reads routes, scopes and claims; ANY and * mean every method; methods in any case', () => {
    const rules = parseRouteRequirements(
      JSON.stringify([
        { route: 'get /orders/*', scopes: ['orders:read', 'orders:read'] },
        { route: 'ANY /admin/*', claims: { role: ['admin', 'owner'], tier: 'gold', level: 3, staff: true } },
        { route: '* /health' },
      ]),
    )
    expect(rules).toEqual([
      { label: 'AUTHORIZER_ROUTE_REQUIREMENTS[0]', method: 'GET', path: '/orders/*', scopes: ['orders:read'] },
      { label: 'AUTHORIZER_ROUTE_REQUIREMENTS[1]', method: '*', path: '/admin/*', claims: { role: ['admin', 'owner'], tier: 'gold', level: 3, staff: true } },
      { label: 'AUTHORIZER_ROUTE_REQUIREMENTS[2]', method: '*', path: '/health' },
    ])
    expect(Object.isFrozen(rules[1]?.claims)).toBe(true)
  })

  it('treats blank as no rules', () => {
    expect(parseRouteRequirements(undefined)).toEqual([])
    expect(parseRouteRequirements('  ')).toEqual([])
  })

  it.each([
    ['not JSON', '[{', /not valid JSON/],
    ['not a list', '{"route":"GET /a"}', /JSON array/],
    ['a rule that is not an object', '[{"route":"GET /a"}, "GET /b"]', /\[1\]: must be an object/],
    ['an unknown key (a typo of scopes)', '[{"route":"GET /a","scope":["x"]}]', /\[0\]: unknown key/],
    ['a route without a method', '[{"route":"/a"}]', /\[0\]: route must be "METHOD \/path"/],
    ['an unknown method', '[{"route":"FETCH /a"}]', /\[0\]: route method/],
    ['a path without a leading slash', '[{"route":"GET a/b"}]', /\[0\]: route path/],
    ['a path template', '[{"route":"GET /orders/{id}"}]', /\[0\]: .*write \* for \{param\}/],
    ['a query string', '[{"route":"GET /a?x=1#f"}]', /\[0\]: route path/],
    ['empty scopes', '[{"route":"GET /a","scopes":[]}]', /\[0\]: scopes/],
    ['a scope with a space', '[{"route":"GET /a","scopes":["a b"]}]', /\[0\]: scopes/],
    ['empty claims', '[{"route":"GET /a","claims":{}}]', /\[0\]: claims/],
    ['an object claim value', '[{"route":"GET /a","claims":{"org":{"id":1}}}]', /\[0\]: each claim/],
    ['a null claim value', '[{"route":"GET /a","claims":{"org":null}}]', /\[0\]: each claim/],
  ])('refuses %s, naming the setting and the rule', (_name, value, message) => {
    const error = errorOf(() => parseRouteRequirements(value))
    expect(error.setting).toBe('AUTHORIZER_ROUTE_REQUIREMENTS')
    expect(error.message).toMatch(message)
  })

  it('refuses more than 500 rules', () => {
    const many = JSON.stringify(Array.from({ length: 501 }, (_, i) => ({ route: `GET /r${i}` })))
    expect(errorOf(() => parseRouteRequirements(many)).message).toMatch(/more than 500/)
  })

  it('never echoes the rule values in an error message', () => {
    const error = errorOf(() => parseRouteRequirements('[{"route":"GET /secret-path-xyz","claims":{"tenant":{"nested":"v4lue"}}}]'))
    expect(error.message).not.toContain('secret-path-xyz')
    expect(error.message).not.toContain('v4lue')
  })
})
