// Example token endpoint (GET /auth/cubejs-token): signs the signed-in user's claims with the authorizer's secret.
import { createTokenEndpoint } from '../lib/tokens/endpoint.js'

// PLACEHOLDER login (X-Demo-User, only with AUTHORIZER_DEMO_LOGIN=true): pass your own, createTokenEndpoint({ login }).
export const handler = createTokenEndpoint()
