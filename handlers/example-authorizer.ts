// Example authorizer with Cube's checkAuth: a suspended user is denied (403). Select it with --param="authorizerHandler=dist/example-authorizer.handler".
import { createAuthorizer } from '../lib/authorizer.js'

export const handler = createAuthorizer({
  checkAuth: ({ securityContext }) => (securityContext.suspended === true ? false : undefined),
})
