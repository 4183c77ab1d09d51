// Cognito's group list in the security context when a claims namespace hides the rest of the payload.
import type { SecurityContext } from './security-context.js'

export const COGNITO_GROUPS_CLAIM = 'cognito:groups'

/**
 * Cognito puts groups in the top-level `cognito:groups` claim and cannot nest them under a namespace claim; with
 * CUBEJS_JWT_CLAIMS_NAMESPACE the context would lose them. For Cognito tokens (AUTHORIZER_TOKEN_USE set) the verified
 * claim is carried over, winning over a same-named key of the namespace object, so that checkAuth and route
 * requirements see the groups Cognito signed. Only a list of strings is carried; a new object, the input is untouched.
 */
export function withCognitoGroups(context: SecurityContext, payload: Readonly<Record<string, unknown>>): SecurityContext {
  const groups = payload[COGNITO_GROUPS_CLAIM]
  if (!Array.isArray(groups) || !groups.every((group) => typeof group === 'string')) return context
  return { ...context, [COGNITO_GROUPS_CLAIM]: [...groups] }
}
