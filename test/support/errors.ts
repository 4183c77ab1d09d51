// Shared assertion helpers: the AuthorizerError code, or the setting at fault, of what a synchronous call throws.
import { expect } from 'vitest'
import { AuthorizerError, ErrorCode } from '../../lib/errors.js'

/** Runs fn and returns the code of the AuthorizerError it throws; anything else (or nothing) fails the test. */
export function codeOfThrow(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (error instanceof AuthorizerError) return error.code
    throw error
  }
  throw new Error('expected an AuthorizerError, got none')
}

/** Runs fn, expects a configuration error, and returns the setting it names. */
export function settingAtFault(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(AuthorizerError)
    expect((error as AuthorizerError).code).toBe(ErrorCode.CONFIG_INVALID)
    return (error as AuthorizerError).setting
  }
  throw new Error('expected a configuration error')
}
