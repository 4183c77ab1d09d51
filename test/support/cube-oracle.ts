// Cube's own JWT check (@cubejs-backend/api-gateway 1.7.43: default checkAuth, JWK fetcher, security context extractor).
// Nothing here re-implements Cube: settings are read by Cube's getEnv, as its server core does, and a request runs
// through the gateway's real `checkAuth` middleware. The only change to the gateway is createSQLServerInstance: its
// SQLServer calls into the native (Rust) binary at construction, which npm's blocked install scripts never download.
// The SQL API is not part of the JWT check, so the subclass returns an empty stand-in; `@cubejs-backend/native` itself
// is imported by the gateway but never loaded (it loads its binary lazily, on first use), so no module is mocked.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** The settings Cube's server core reads for the JWT check (OptsHandler: `jwt` from getEnv, apiSecret(s)). */
export const CUBE_SETTINGS = [
  'CUBEJS_API_SECRET',
  'CUBEJS_API_SECRETS',
  'CUBEJS_JWT_KEY',
  'CUBEJS_JWK_URL',
  'CUBEJS_JWT_ALGS',
  'CUBEJS_JWT_AUDIENCE',
  'CUBEJS_JWT_ISSUER',
  'CUBEJS_JWT_SUBJECT',
  'CUBEJS_JWT_CLAIMS_NAMESPACE',
] as const

export type CubeSettings = Readonly<Partial<Record<(typeof CUBE_SETTINGS)[number], string>>>

export type CubeOutcome =
  | { readonly kind: 'accept'; readonly securityContext: unknown }
  | { readonly kind: 'reject'; readonly status: number; readonly error: string }

interface Response {
  status(code: number): { json(body: unknown): void }
}
interface Request {
  headers: Record<string, string>
  url: string
  securityContext?: unknown
}
interface Gateway {
  checkAuth(req: Request, res: Response, next: () => void): Promise<void>
  securityContextExtractor(ctx: { securityContext: unknown }): unknown
  release(): void
}
type GatewayClass = new (apiSecret: string | undefined, compilerApi: unknown, adapterApi: unknown, logger: (msg: string, params: object) => void, options: object) => Gateway

const { ApiGateway } = require('@cubejs-backend/api-gateway') as { ApiGateway: GatewayClass }
const { getEnv } = require('@cubejs-backend/shared') as { getEnv: (name: string) => unknown }

// createSQLServerInstance is the gateway's own seam (a method, not inlined) for the SQL API; see the header.
class OracleGateway extends ApiGateway {
  createSQLServerInstance(): object {
    return {}
  }
}

/** Reads settings with Cube's getEnv, exactly as Cube 1.7.43's server core builds the gateway's options. */
function cubeOptions(settings: CubeSettings) {
  const saved = new Map(CUBE_SETTINGS.map((name) => [name, process.env[name]]))
  try {
    for (const name of CUBE_SETTINGS) {
      const value = settings[name]
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    return {
      apiSecret: getEnv('apiSecret') as string | undefined,
      apiSecrets: getEnv('apiSecrets') as string[] | undefined,
      jwt: {
        key: getEnv('jwtKey'),
        algorithms: getEnv('jwtAlgorithms'),
        issuer: getEnv('jwtIssuer'),
        audience: getEnv('jwtAudience'),
        subject: getEnv('jwtSubject'),
        jwkUrl: getEnv('jwkUrl'),
        claimsNamespace: getEnv('jwtClaimsNamespace'),
      },
    }
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

export interface CubeOracle {
  /** Runs one request's headers (any case; Express lowercases them) through Cube's checkAuth middleware. */
  check(headers: Readonly<Record<string, string>>): Promise<CubeOutcome>
  /** Stops the JWK fetcher's background refresh. */
  release(): void
}

/**
 * A gateway as Cube runs it in production (`enforceSecurityChecks`, as with NODE_ENV=production); with
 * `enforceSecurityChecks: false` (Cube's default outside production) a failed check lets the request through.
 */
export function cubeOracle(settings: CubeSettings, { enforceSecurityChecks = true } = {}): CubeOracle {
  const { apiSecret, apiSecrets, jwt } = cubeOptions(settings)
  const logger = () => {}
  const gateway = new OracleGateway(apiSecret, () => {}, () => {}, logger, { apiSecrets, jwt, enforceSecurityChecks, basePath: '/cubejs-api' })
  return {
    async check(headers) {
      const req: Request = { url: '/cubejs-api/v1/load', headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) }
      let rejected: { status: number; error: string } | undefined
      let passed = false
      const res: Response = { status: (status) => ({ json: (body) => (rejected = { status, error: String((body as { error?: unknown }).error) }) }) }
      await gateway.checkAuth(req, res, () => (passed = true))
      if (passed) return { kind: 'accept', securityContext: gateway.securityContextExtractor({ securityContext: req.securityContext }) }
      if (rejected === undefined) throw new Error('Cube checkAuth neither passed nor answered')
      return { kind: 'reject', ...rejected }
    },
    release: () => gateway.release(),
  }
}
