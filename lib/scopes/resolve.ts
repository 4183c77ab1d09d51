// Per request: the Cube API scopes granted (contextToApiScopes, else the scopes claim, else the defaults) and the token's scopes.
import { AuthorizerError, ErrorCode } from '../errors.js'
import type { AccessConfig } from '../settings/access.js'
import type { SecurityContext } from '../security-context.js'
import { isApiScope, partitionScopes, type ApiScope, type ContextToApiScopes } from './cube.js'
import type { Grants } from './rules.js'

/** Reason codes for the decision log (field `scope_notes`); they never carry the claim's values. */
export const ScopeNote = {
  /** The token has no scopes claim: Cube's defaults apply, as in Cube without contextToApiScopes. */
  DEFAULT_SCOPES: 'scopes_default',
  /** The scopes claim names something that is not a Cube API scope (ignored). */
  UNKNOWN_SCOPE_IGNORED: 'scope_unknown_ignored',
  /** The scopes claim is neither a string nor a list of strings: no scope is granted from it. */
  CLAIM_INVALID: 'scopes_claim_invalid',
} as const
export type ScopeNote = (typeof ScopeNote)[keyof typeof ScopeNote]

export interface ResolvedGrants {
  readonly grants: Grants
  readonly notes: readonly ScopeNote[]
}

export interface ResolveInput {
  readonly access: AccessConfig
  readonly contextToApiScopes: ContextToApiScopes | undefined
  readonly payload: Readonly<Record<string, unknown>>
  readonly securityContext: SecurityContext
}

/** The claim as a list of names: a space-separated string (OAuth `scope`) or a list of strings (`scp`). */
function claimScopes(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(/\s+/).filter((name) => name !== '')
  if (Array.isArray(value) && value.every((name) => typeof name === 'string')) return value.filter((name) => name !== '')
  return undefined
}

export async function resolveGrants({ access, contextToApiScopes, payload, securityContext }: ResolveInput): Promise<ResolvedGrants> {
  const notes: ScopeNote[] = []
  let tokenScopes: string[] | undefined
  if (access.scopesClaim !== undefined && Object.hasOwn(payload, access.scopesClaim)) {
    tokenScopes = claimScopes(payload[access.scopesClaim])
    if (tokenScopes === undefined) notes.push(ScopeNote.CLAIM_INVALID)
  }
  let apiScopes: readonly ApiScope[] = []
  if (access.cubeApiScopes) {
    if (contextToApiScopes !== undefined) apiScopes = await fromCode(contextToApiScopes, securityContext, access.defaultApiScopes)
    else if (tokenScopes !== undefined) {
      const { known, unknown } = partitionScopes(tokenScopes)
      if (unknown.length > 0) notes.push(ScopeNote.UNKNOWN_SCOPE_IGNORED)
      apiScopes = known
    } else if (notes.includes(ScopeNote.CLAIM_INVALID)) apiScopes = []
    else {
      notes.push(ScopeNote.DEFAULT_SCOPES)
      apiScopes = access.defaultApiScopes
    }
  }
  return { grants: { apiScopes, tokenScopes: tokenScopes ?? [], claims: securityContext }, notes }
}

/** Cube's contract: the function returns a list of known scopes, else Cube fails the request; so do we (500). */
async function fromCode(fn: ContextToApiScopes, securityContext: SecurityContext, defaults: readonly ApiScope[]): Promise<ApiScope[]> {
  let result: unknown
  try {
    result = await fn(structuredClone(securityContext), [...defaults])
  } catch (cause) {
    throw new AuthorizerError(ErrorCode.API_SCOPES_INVALID, 'contextToApiScopes threw', { cause })
  }
  if (!Array.isArray(result)) throw new AuthorizerError(ErrorCode.API_SCOPES_INVALID, 'contextToApiScopes returned no list')
  if (!result.every((name): name is ApiScope => typeof name === 'string' && isApiScope(name)))
    throw new AuthorizerError(ErrorCode.API_SCOPES_INVALID, 'contextToApiScopes returned a name that is not a Cube API scope')
  return partitionScopes(result).known
}
