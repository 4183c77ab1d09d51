// Stub of Cube's GET /cubejs-api/v1/meta behind the authorizer: logs the security context it received, answers no cubes.
import { securityContextOf } from '../lib/gateway/backend-context.js'
import { jsonResponse, pathOf } from '../lib/gateway/http-json.js'
import { jsonLogger } from '../lib/observe/logger.js'

const logger = jsonLogger()

export const handler = async (event: unknown) => {
  const securityContext = securityContextOf(event)
  if (securityContext === undefined) return jsonResponse(500, { error: 'no authorizer context' })
  // Like Cube's own request log: a backend may log the security context; the authorizer itself never logs claims.
  logger.log('info', 'cube_api_request', { path: pathOf(event), security_context: JSON.stringify(securityContext) })
  return jsonResponse(200, { cubes: [] })
}
