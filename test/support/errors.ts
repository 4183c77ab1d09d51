// Shared assertion helper: the AuthorizerError code a synchronous call throws.
import { AuthorizerError } from '../../lib/errors.js'

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
