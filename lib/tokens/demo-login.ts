// PLACEHOLDER for your own login check: it trusts an X-Demo-User header, so it must never guard a real deployment.
import { headerOf } from '../gateway/http-json.js'
import type { SecurityContext } from '../security-context.js'

export const DEMO_USER_HEADER = 'X-Demo-User'

/** A user name, not free text: it becomes the token's `sub`. */
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/

/**
 * "Signed in" means: the request names a user in X-Demo-User. Anyone can send that header, which is why the token
 * endpoint only uses this function when AUTHORIZER_DEMO_LOGIN=true (serverless-offline on 127.0.0.1). Replace it with
 * your session, cookie or identity-provider check, returning the signed-in user's claims.
 */
export function demoLogin(event: unknown): SecurityContext | undefined {
  const user = headerOf(event, DEMO_USER_HEADER)?.trim()
  return user !== undefined && USER_NAME.test(user) ? { sub: user } : undefined
}
