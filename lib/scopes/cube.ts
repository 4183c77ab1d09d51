// Cube's API scopes: the names Cube knows, its default set, and the contextToApiScopes option with Cube's signature.
import type { SecurityContext } from '../security-context.js'

/** Every scope Cube's API gateway asserts (assertApiScope in @cubejs-backend/api-gateway). */
export const API_SCOPES = ['graphql', 'meta', 'data', 'sql', 'jobs'] as const
export type ApiScope = (typeof API_SCOPES)[number]

/** Cube's default when neither contextToApiScopes nor CUBEJS_DEFAULT_API_SCOPES says otherwise: everything but jobs. */
export const CUBE_DEFAULT_API_SCOPES: readonly ApiScope[] = Object.freeze(['graphql', 'meta', 'data', 'sql'])

/** Cube's option: `contextToApiScopes(securityContext, defaultScopes)` returns the scopes of this request. */
export type ContextToApiScopes = (securityContext: SecurityContext, defaultScopes: ApiScope[]) => ApiScope[] | string[] | Promise<ApiScope[] | string[]>

export const isApiScope = (name: string): name is ApiScope => (API_SCOPES as readonly string[]).includes(name)

/** Splits names into Cube scopes (de-duplicated, in Cube's order) and the rest. */
export function partitionScopes(names: readonly string[]): { known: ApiScope[]; unknown: string[] } {
  const known = API_SCOPES.filter((scope) => names.includes(scope))
  const unknown = [...new Set(names.filter((name) => !isApiScope(name)))]
  return { known, unknown }
}
