// Example protected function: answers with the authorizer context API Gateway passed on, the way a backend reads it.
import { authorizerOf, securityContextOf } from '../lib/gateway/backend-context.js'
import { jsonResponse } from '../lib/gateway/http-json.js'

export const handler = async (event: unknown) => {
  const securityContext = securityContextOf(event)
  // No security context means no authorizer in front of this route: refuse rather than serve an unknown caller.
  if (securityContext === undefined) return jsonResponse(500, { error: 'no authorizer context' })
  return jsonResponse(200, { securityContext, authorizer: authorizerOf(event) })
}
