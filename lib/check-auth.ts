// Runs the user's checkAuth (Cube's check_auth) and maps what it returns or throws onto our error codes.
import { AuthorizerError, ErrorCode } from './errors.js'
import { safeCopy, type SecurityContext } from './security-context.js'

export interface CheckAuthArgs {
  /** The API Gateway event as received. */
  readonly event: unknown
  /** The raw JWT (without the Bearer scheme). */
  readonly token: string
  readonly payload: Readonly<Record<string, unknown>>
  readonly securityContext: SecurityContext
}

/**
 * Return nothing to keep the security context, an object to replace it, or `false` to deny (a Deny policy, 403).
 * Throw `new Error('Unauthorized')` to reject the token (401); any other throw fails closed (500).
 */
export type CheckAuth = (args: CheckAuthArgs) => SecurityContext | false | undefined | void | Promise<SecurityContext | false | undefined | void>

export async function runCheckAuth(checkAuth: CheckAuth, args: CheckAuthArgs): Promise<SecurityContext> {
  let result: Awaited<ReturnType<CheckAuth>>
  try {
    result = await checkAuth(args)
  } catch (error) {
    if (error instanceof AuthorizerError) throw error
    if (error instanceof Error && error.message === 'Unauthorized') throw new AuthorizerError(ErrorCode.CHECK_AUTH_REJECTED, 'checkAuth rejected the token')
    throw new AuthorizerError(ErrorCode.CHECK_AUTH_FAILED, 'checkAuth threw', { cause: error })
  }
  if (result === false) throw new AuthorizerError(ErrorCode.CHECK_AUTH_DENIED, 'checkAuth denied access')
  if (result === undefined) return args.securityContext
  if (typeof result !== 'object' || result === null || Array.isArray(result))
    throw new AuthorizerError(ErrorCode.CHECK_AUTH_FAILED, 'checkAuth returned neither an object, false nor nothing')
  try {
    return safeCopy(result) as SecurityContext
  } catch (cause) {
    // A cyclic or absurdly deep replacement is checkAuth's bug, not the token's: fail closed (500), not 401.
    throw new AuthorizerError(ErrorCode.CHECK_AUTH_FAILED, 'checkAuth returned a security context nested too deeply', { cause })
  }
}
