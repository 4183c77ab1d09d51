// Like-for-like peers for goal 1: a plain REST TOKEN authorizer per peer library, written as a user of it would write one.
import jsonwebtoken from 'jsonwebtoken'

/** `Bearer <token>`, the scheme in any case; anything else is refused. */
function bearerToken(header) {
  if (typeof header !== 'string' || header.length <= 7 || header.slice(0, 7).toLowerCase() !== 'bearer ') throw new Error('Unauthorized')
  return header.slice(7)
}

// Allow the whole stage: the ARN up to apiId/stage, then /*/* (method and path), as AWS's authorizer blueprint does.
function stageResource(methodArn) {
  const [apiArn, stage] = methodArn.split('/')
  return `${apiArn}/${stage}/*/*`
}

/** The same kind of result ours builds: IAM Allow policy, security context as JSON plus the top-level scalar claims. */
function allow(event, payload) {
  const principalId = payload.sub
  const context = { securityContext: JSON.stringify(payload) }
  for (const [key, value] of Object.entries(payload)) {
    if (key !== 'securityContext' && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) context[key] = value
  }
  const result = {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageResource(event.methodArn) }] },
    context,
  }
  // One JSON decision line per call, as ours writes (the bench replaces stdout with a counting sink).
  process.stdout.write(JSON.stringify({ level: 'info', time: new Date().toISOString(), message: 'decision', outcome: 'allow', principalId }) + '\n')
  return result
}

/** jsonwebtoken as Cube calls it: the secret string or PEM text, verified on every call. */
export function jsonwebtokenAuthorizer({ secretOrPem, alg, issuer }) {
  const options = { algorithms: [alg], issuer }
  return async (event) => {
    let payload
    try {
      payload = jsonwebtoken.verify(bearerToken(event.authorizationToken), secretOrPem, options)
    } catch {
      throw new Error('Unauthorized')
    }
    return allow(event, payload)
  }
}

/** aws-jwt-verify as its README's REST authorizer example: a verifier made once (JWKS cached), then verifySync. */
export function awsJwtVerifyAuthorizer(verifier) {
  return async (event) => {
    let payload
    try {
      payload = verifier.verifySync(bearerToken(event.authorizationToken))
    } catch {
      throw new Error('Unauthorized')
    }
    return allow(event, payload)
  }
}
