// Differential test against Cube's own API gateway (@cubejs-backend/api-gateway 1.7.43): for every endpoint Cube registers,
// the scope Cube's assertApiScope asks for is the scope the edge policy requires, and routes Cube asks no scope for are
// unscoped at the edge too.
//
// How Cube is run here: its real ApiGateway registers its routes on a recording stand-in for Express (initApp), then each
// route's real handler runs on a minimal request with a contextToApiScopes option that grants chosen scopes, and the real
// assertApiScope answers. No @cubejs-backend/native stub is needed: the only part that loads the native binary (absent,
// npm here skips install scripts) is the SQL server the constructor creates, so a subclass overrides Cube's own factory
// createSQLServerInstance() with an empty object. The SQL server plays no part in scope checks; /v1/cubesql reaches it
// only after its scope check (and then fails, which is fine: only the scope decision is compared).
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { API_SCOPES, type ApiScope } from '../../lib/scopes/cube.js'
import { CUBE_ENDPOINTS } from '../../lib/scopes/cube-routes.js'
import { decideRoute } from '../../lib/scopes/decide.js'
import { parseAccessConfig } from '../../lib/settings/access.js'

const require = createRequire(import.meta.url)
const { ApiGateway } = require('@cubejs-backend/api-gateway/dist/src/gateway.js') as {
  ApiGateway: new (...args: unknown[]) => CubeGateway
}

interface CubeGateway {
  initApp(app: Record<string, (path: unknown, ...handlers: unknown[]) => void>): void
  assertApiScope(scope: string, securityContext: unknown): Promise<void>
}

type Handler = (req: unknown, res: unknown, next: (error?: unknown) => void) => unknown

interface Registered {
  readonly method: string
  readonly path: string
  readonly handler: Handler
}

const BASE_PATH = '/cubejs-api'
/** Bounds a request that would never finish (it would fail the test, not hang it); none comes close. */
const SETTLE_LIMIT_MS = 5_000

let granted: string[] = []
let asked: string[] = []

function cubeGateway(): { gateway: CubeGateway; routes: Registered[] } {
  const Probe = class extends (ApiGateway as unknown as new (...args: unknown[]) => object) {
    createSQLServerInstance() {
      return {}
    }
  } as unknown as new (...args: unknown[]) => CubeGateway
  const fail = async () => {
    throw new Error('not part of this test')
  }
  const gateway = new Probe('differential-secret-0123456789abcdef0123', fail, fail, () => {}, {
    basePath: BASE_PATH,
    contextToApiScopes: async () => granted,
    // Registers Cube's system routes as well, so that every route Cube can serve is compared.
    playgroundAuthSecret: 'playground-secret-0123456789abcdef012345',
    dataSourceStorage: {},
    standalone: true,
  })
  const original = gateway.assertApiScope.bind(gateway)
  gateway.assertApiScope = (scope, securityContext) => {
    asked.push(scope)
    return original(scope, securityContext)
  }
  const routes: Registered[] = []
  const record = (method: string) => (path: unknown, ...handlers: unknown[]) => {
    // app.use(errorMiddleware) registers no route.
    if (typeof path === 'string') routes.push({ method, path, handler: handlers.at(-1) as Handler })
  }
  gateway.initApp({ get: record('GET'), post: record('POST'), delete: record('DELETE'), put: record('PUT'), patch: record('PATCH'), use: record('USE') })
  return { gateway, routes }
}

/** Runs one route's real handler with `scopes` granted; resolves with what Cube answered once the request is over. */
async function callCube(route: Registered, scopes: string[]): Promise<{ asked: string[]; status: number | undefined; body: unknown }> {
  granted = scopes
  asked = []
  let status: number | undefined
  let body: unknown
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${route.method} ${route.path} did not finish`)), SETTLE_LIMIT_MS)
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    const res = {
      status(code: number) {
        status = code
        return res
      },
      json(value: unknown) {
        body = value
        done()
      },
      send(value: unknown) {
        body = value
        done()
      },
      end: () => done(),
      set: () => res,
      setHeader: () => res,
      removeHeader: () => res,
      header: () => res,
      write: () => true,
      on: () => res,
      headersSent: false,
    }
    const path = route.path.replace(':requestId', 'req-1')
    const req = {
      method: route.method === 'USE' ? 'POST' : route.method,
      url: path,
      path,
      originalUrl: path,
      headers: {},
      query: {},
      body: { query: { measures: ['Orders.count'] } },
      params: { requestId: 'req-1' },
      context: { securityContext: {}, requestId: 'differential-1' },
    }
    // Some handlers hand their error to Express (next) instead of answering: read it as Express's error handler would.
    const next = (error?: unknown) => {
      if (error !== undefined && status === undefined) {
        status = (error as { status?: number }).status ?? 500
        body = { error: error instanceof Error ? error.message : String(error) }
      }
      done()
    }
    Promise.resolve(route.handler(req, res, next)).then(
      () => undefined,
      () => done(),
    )
  })
  return { asked: [...asked], status, body }
}

const missingScope = (body: unknown): string | undefined => {
  const text = JSON.stringify(body ?? '')
  return /API scope is missing: (\w+)/.exec(text)?.[1]
}

/** The scope Cube asks on a route: the one assertApiScope is called with, confirmed by what Cube answers. */
async function cubeScopeOf(route: Registered): Promise<ApiScope | undefined> {
  const none = await callCube(route, [])
  const scope = none.asked[0] as ApiScope | undefined
  if (scope === undefined) return undefined
  expect(none.status, `${route.method} ${route.path} without scopes`).toBe(403)
  expect(missingScope(none.body)).toBe(scope)
  // Every other scope together still misses it; the scope alone passes the check (the request then fails later on).
  const others = await callCube(route, API_SCOPES.filter((s) => s !== scope))
  expect(missingScope(others.body), `${route.method} ${route.path} with every other scope`).toBe(scope)
  const alone = await callCube(route, [scope])
  expect(missingScope(alone.body), `${route.method} ${route.path} with ${scope}`).toBeUndefined()
  return scope
}

function edgeAccess(unscoped: 'allow' | 'deny') {
  const access = parseAccessConfig(
    { AUTHORIZER_CUBE_API_SCOPES: 'true', AUTHORIZER_CUBE_BASE_PATH: BASE_PATH, AUTHORIZER_UNSCOPED_ROUTES: unscoped },
    { simpleResponses: false, routePolicyScope: false },
    () => {},
  )
  if (access === undefined) throw new Error('scopes should be on')
  return access
}

/** The edge's answer for METHOD path with exactly `scopes` granted. */
const edge = (unscoped: 'allow' | 'deny', method: string, path: string, scopes: readonly ApiScope[]) =>
  decideRoute(edgeAccess(unscoped), { apiScopes: scopes, tokenScopes: [], claims: {} }, `${method}${path}`)

/** Methods a request may use on a registered route: app.use serves every method, and below its path too. */
const requestsOf = (route: Registered): Array<[string, string]> => {
  const path = route.path.replace(':requestId', 'req-1')
  if (route.method !== 'USE') return [[route.method, path]]
  return ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'].flatMap((m): Array<[string, string]> => [[m, path], [m, `${path}/batch`]])
}

describe("Cube's API gateway and the edge policy", () => {
  const { routes } = cubeGateway()

  it('registers exactly the endpoints lib/scopes/cube-routes.ts lists below the base path (so none is missed)', () => {
    const below = routes.filter((r) => r.path.startsWith(`${BASE_PATH}/`)).map((r) => `${r.method} ${r.path.slice(BASE_PATH.length)}`)
    expect(below.sort()).toEqual(CUBE_ENDPOINTS.map((e) => `${e.method} ${e.path}`).sort())
    // And the others, outside the base path: health checks and the playground's system API.
    expect(routes.filter((r) => !r.path.startsWith(`${BASE_PATH}/`)).every((r) => ['/readyz', '/livez'].includes(r.path) || r.path.startsWith('/cubejs-system/'))).toBe(true)
  })

  it('asks, on every endpoint, the scope the edge requires there; and no scope exactly where the edge has none', async () => {
    const seen = new Map<string, ApiScope | undefined>()
    for (const route of routes) {
      const cubeScope = await cubeScopeOf(route)
      seen.set(`${route.method} ${route.path}`, cubeScope)
      for (const [method, path] of requestsOf(route)) {
        for (const scope of API_SCOPES) {
          const what = `${method} ${path} with only ${scope} (Cube asks ${String(cubeScope)})`
          if (cubeScope === undefined) {
            // Unscoped at the edge: the answer never depends on the scopes, it follows AUTHORIZER_UNSCOPED_ROUTES.
            expect(edge('deny', method, path, [scope]), what).toBe('deny')
            expect(edge('allow', method, path, [scope]), what).toBe('allow')
          } else {
            const expected = scope === cubeScope ? 'allow' : 'deny'
            expect(edge('deny', method, path, [scope]), what).toBe(expected)
            expect(edge('allow', method, path, [scope]), what).toBe(expected)
          }
        }
        // Every scope but Cube's own is never enough at the edge either.
        if (cubeScope !== undefined) expect(edge('allow', method, path, API_SCOPES.filter((s) => s !== cubeScope))).toBe('deny')
      }
    }
    // The comparison covered Cube's five scopes and its unscoped endpoints.
    expect(new Set([...seen.values()])).toEqual(new Set([...API_SCOPES, undefined]))
  }, 60_000)

  it("agrees with lib/scopes/cube-routes.ts on each endpoint's scope", async () => {
    for (const endpoint of CUBE_ENDPOINTS) {
      const route = routes.find((r) => r.method === endpoint.method && r.path === `${BASE_PATH}${endpoint.path}`)
      if (route === undefined) throw new Error(`Cube does not register ${endpoint.method} ${endpoint.path}`)
      expect(await cubeScopeOf(route), `${endpoint.method} ${endpoint.path}`).toBe(endpoint.scope)
    }
  }, 60_000)

  it("falls back, like Cube, to Cube's default scopes: everything but jobs", async () => {
    // Without contextToApiScopes, Cube's own default applies.
    const plain = new (class extends (ApiGateway as unknown as new (...args: unknown[]) => CubeGateway) {
      createSQLServerInstance() {
        return {}
      }
    })('differential-secret-0123456789abcdef0123', async () => {}, async () => {}, () => {}, { basePath: BASE_PATH, dataSourceStorage: {}, standalone: true })
    const defaults: string[] = []
    for (const scope of API_SCOPES) {
      const passed = await plain.assertApiScope(scope, {}).then(
        () => true,
        () => false,
      )
      if (passed) defaults.push(scope)
    }
    const edgeDefaults = edgeAccess('deny').defaultApiScopes
    expect(defaults).toEqual([...edgeDefaults])
  })
})
