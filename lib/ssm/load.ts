// One deadline-bounded SSM load: capped, full-jitter retries for throttling and 5xx only, then a classified failure.
import { AuthorizerError, ErrorCode } from '../errors.js'
import type { ParameterReader } from './sdk-client.js'

const MAX_ATTEMPTS = 6
const BASE_DELAY_MS = 100
const MAX_DELAY_MS = 1000

export const SsmFailure = { THROTTLED: 'throttled', SERVER: 'server_error', TIMEOUT: 'timeout', OTHER: 'other' } as const
export type SsmFailure = (typeof SsmFailure)[keyof typeof SsmFailure]

interface SdkLikeError {
  readonly name?: unknown
  readonly $fault?: unknown
  readonly $metadata?: { readonly httpStatusCode?: unknown }
}

export function classifySsmError(error: unknown): SsmFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkLikeError
  if (e.name === 'ThrottlingException' || e.name === 'TooManyRequestsException') return SsmFailure.THROTTLED
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return SsmFailure.TIMEOUT
  const status = e.$metadata?.httpStatusCode
  if (typeof status === 'number' && status >= 500) return SsmFailure.SERVER
  return SsmFailure.OTHER
}

export interface LoadDeps {
  readonly now: () => number
  readonly random: () => number
  readonly sleep: (ms: number) => Promise<void>
}

export interface LoadResult {
  readonly values: Map<string, string>
  readonly attempts: number
}

export async function loadWithDeadline(read: ParameterReader, names: readonly string[], budgetMs: number, deps: LoadDeps): Promise<LoadResult> {
  const deadline = deps.now() + budgetMs
  let last: SsmFailure = SsmFailure.TIMEOUT
  let lastName = 'timeout'
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const remaining = deadline - deps.now()
    if (remaining <= 0) break
    try {
      return { values: await read(names, remaining), attempts: attempt }
    } catch (error) {
      last = classifySsmError(error)
      lastName = error instanceof Error ? error.name : 'unknown'
      // AccessDenied, KMS and validation errors will not heal by retrying within one cold start.
      if (last === SsmFailure.OTHER) break
      if (last === SsmFailure.TIMEOUT) break
    }
    const delay = deps.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1))
    if (deps.now() + delay >= deadline) break
    await deps.sleep(delay)
  }
  const code = last === SsmFailure.THROTTLED ? ErrorCode.SSM_THROTTLED : ErrorCode.SSM_UNAVAILABLE
  throw new AuthorizerError(code, `SSM GetParameters failed: ${last} (${lastName})`, { setting: 'AUTHORIZER_SSM_PATH' })
}
