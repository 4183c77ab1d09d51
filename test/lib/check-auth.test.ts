// Unit tests for running the user's checkAuth (Cube's check_auth): keep, replace, deny, reject and fail.
import { describe, expect, it } from 'vitest'
import { runCheckAuth, type CheckAuth, type CheckAuthArgs } from '../../lib/check-auth.js'
import { AuthorizerError, ErrorCode, Outcome, outcomeOf } from '../../lib/errors.js'

const ARGS: CheckAuthArgs = {
  event: { type: 'TOKEN', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/x', authorizationToken: 'Bearer t' },
  token: 't',
  payload: { sub: 'u1', tenant: 7 },
  securityContext: { sub: 'u1', tenant: 7 },
}

async function failureOf(checkAuth: CheckAuth): Promise<AuthorizerError> {
  try {
    await runCheckAuth(checkAuth, ARGS)
  } catch (error) {
    expect(error).toBeInstanceOf(AuthorizerError)
    return error as AuthorizerError
  }
  throw new Error('expected runCheckAuth to fail')
}

describe('runCheckAuth', () => {
  it('passes the event, token, payload and security context to checkAuth', async () => {
    let seen: CheckAuthArgs | undefined
    await runCheckAuth((args) => {
      seen = args
    }, ARGS)
    expect(seen).toBe(ARGS)
  })

  it('keeps the security context when checkAuth returns nothing', async () => {
    expect(await runCheckAuth(() => undefined, ARGS)).toBe(ARGS.securityContext)
    expect(await runCheckAuth(() => {}, ARGS)).toBe(ARGS.securityContext)
  })

  it('replaces the security context with the object checkAuth returns', async () => {
    expect(await runCheckAuth(() => ({ userId: 'u1', roles: ['viewer'] }), ARGS)).toEqual({ userId: 'u1', roles: ['viewer'] })
  })

  it('sanitizes a replacement: drops prototype keys and copies it', async () => {
    const replacement = JSON.parse('{"userId":"u1","__proto__":{"isAdmin":true},"nested":{"constructor":1,"ok":true}}') as Record<string, unknown>
    const context = await runCheckAuth(() => replacement, ARGS)
    expect(context).toEqual({ userId: 'u1', nested: { ok: true } })
    expect(context).not.toBe(replacement)
    expect(context.isAdmin).toBeUndefined()
  })

  it('awaits an async checkAuth', async () => {
    expect(await runCheckAuth(async () => ({ fromAsync: true }), ARGS)).toEqual({ fromAsync: true })
    expect(await runCheckAuth(async () => undefined, ARGS)).toBe(ARGS.securityContext)
  })

  it('denies with check_auth_denied when checkAuth returns false', async () => {
    const error = await failureOf(() => false)
    expect(error.code).toBe(ErrorCode.CHECK_AUTH_DENIED)
    expect(outcomeOf(error)).toBe(Outcome.DENY)
    expect((await failureOf(async (): Promise<false> => false)).code).toBe(ErrorCode.CHECK_AUTH_DENIED)
  })

  it("rejects with check_auth_rejected when checkAuth throws Error('Unauthorized')", async () => {
    const error = await failureOf(() => {
      throw new Error('Unauthorized')
    })
    expect(error.code).toBe(ErrorCode.CHECK_AUTH_REJECTED)
    expect(outcomeOf(error)).toBe(Outcome.UNAUTHORIZED)
    expect((await failureOf(() => Promise.reject(new Error('Unauthorized')))).code).toBe(ErrorCode.CHECK_AUTH_REJECTED)
  })

  it.each([
    ['an Error with another message', new Error('database down')],
    ['an Error with a lower-case unauthorized', new Error('unauthorized')],
    ['the string Unauthorized', 'Unauthorized'],
    ['an object with message Unauthorized', { message: 'Unauthorized' }],
  ])('fails closed with check_auth_failed when checkAuth throws %s', async (_name, thrown) => {
    const error = await failureOf(() => {
      throw thrown
    })
    expect(error.code).toBe(ErrorCode.CHECK_AUTH_FAILED)
    expect(outcomeOf(error)).toBe(Outcome.ERROR)
    expect(error.cause).toBe(thrown)
  })

  it('keeps the code of an AuthorizerError thrown by checkAuth', async () => {
    const thrown = new AuthorizerError(ErrorCode.JWKS_UNAVAILABLE, 'keys down')
    expect(await failureOf(() => Promise.reject(thrown))).toBe(thrown)
  })

  it.each([
    ['a string', 'admin'],
    ['a number', 1],
    ['true', true],
    ['null', null],
    ['an array', [{ userId: 'u1' }]],
  ])('fails closed with check_auth_failed when checkAuth returns %s', async (_name, returned) => {
    const error = await failureOf((() => returned) as unknown as CheckAuth)
    expect(error.code).toBe(ErrorCode.CHECK_AUTH_FAILED)
  })

  it('fails closed with check_auth_failed, not a 401, when the replacement is cyclic', async () => {
    const cyclic: Record<string, unknown> = { userId: 'u1' }
    cyclic.self = cyclic
    const error = await failureOf(() => cyclic)
    expect(error.code).toBe(ErrorCode.CHECK_AUTH_FAILED)
  })
})
