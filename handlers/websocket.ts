// Example WebSocket API backend: $connect was decided by the authorizer; every message is answered with the context it passed.
import { authorizerOf, securityContextOf } from '../lib/gateway/backend-context.js'

export const handler = async (event: unknown) => {
  const securityContext = securityContextOf(event)
  // No security context means no authorizer in front of $connect: refuse the connection rather than serve an unknown caller.
  if (securityContext === undefined) return { statusCode: 403 }
  const routeKey = (event as { requestContext?: { routeKey?: unknown } }).requestContext?.routeKey
  if (routeKey === '$connect' || routeKey === '$disconnect') return { statusCode: 200 }
  return { statusCode: 200, body: JSON.stringify({ securityContext, principalId: authorizerOf(event)?.principalId }) }
}
