// The deadline-bounded SSM load: which failures are retried, how long it may take, and how failures are classified.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { classifySsmError, loadWithDeadline, SsmFailure } from '../../../lib/ssm/load.js'
import type { ParameterReader } from '../../../lib/ssm/sdk-client.js'

/** A virtual clock: sleeping advances it, so retries and deadlines run instantly and deterministically. */
function virtualTime(random = () => 1) {
  let now = 0
  return { deps: { now: () => now, random, sleep: async (ms: number) => void (now += ms) }, advance: (ms: number) => (now += ms), elapsed: () => now }
}

const sdkError = (name: string, status: number, fault: 'client' | 'server' = status >= 500 ? 'server' : 'client') =>
  Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } })

function failingReader(errors: unknown[], value = new Map([['/p/CUBEJS_API_SECRET', 'x']])) {
  let calls = 0
  const read: ParameterReader = async () => {
    const error = errors[calls]
    calls += 1
    if (error !== undefined) throw error
    return value
  }
  return { read, calls: () => calls }
}

describe('classifySsmError', () => {
  it('classifies throttling, timeouts, 5xx and everything else', () => {
    expect(classifySsmError(sdkError('ThrottlingException', 400))).toBe(SsmFailure.THROTTLED)
    expect(classifySsmError(sdkError('InternalServerError', 500))).toBe(SsmFailure.SERVER)
    expect(classifySsmError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(SsmFailure.TIMEOUT)
    expect(classifySsmError(Object.assign(new Error('a'), { name: 'AbortError' }))).toBe(SsmFailure.TIMEOUT)
    expect(classifySsmError(sdkError('AccessDeniedException', 400))).toBe(SsmFailure.OTHER)
    expect(classifySsmError('not an error')).toBe(SsmFailure.OTHER)
  })
})

describe('loadWithDeadline', () => {
  it('returns the values of the first successful attempt', async () => {
    const time = virtualTime()
    const reader = failingReader([])
    const result = await loadWithDeadline(reader.read, ['/p/CUBEJS_API_SECRET'], 3000, time.deps)
    expect(result.attempts).toBe(1)
    expect(result.values.get('/p/CUBEJS_API_SECRET')).toBe('x')
  })

  it('retries throttling and 5xx with growing full-jitter delays, then succeeds', async () => {
    const delays: number[] = []
    const time = virtualTime()
    const deps = { ...time.deps, sleep: async (ms: number) => void (delays.push(ms), time.advance(ms)) }
    const reader = failingReader([sdkError('ThrottlingException', 400), sdkError('InternalServerError', 500), sdkError('ThrottlingException', 400)])
    const result = await loadWithDeadline(reader.read, ['n'], 3000, deps)
    expect(result.attempts).toBe(4)
    expect(delays).toEqual([100, 200, 400])
  })

  it('draws each delay uniformly below its cap (full jitter)', async () => {
    const delays: number[] = []
    const time = virtualTime(() => 0.25)
    const deps = { ...time.deps, sleep: async (ms: number) => void (delays.push(ms), time.advance(ms)) }
    const reader = failingReader([sdkError('ThrottlingException', 400), sdkError('ThrottlingException', 400)])
    await loadWithDeadline(reader.read, ['n'], 3000, deps)
    expect(delays).toEqual([25, 50])
  })

  it('caps the number of attempts even with a generous budget', async () => {
    const time = virtualTime(() => 0)
    const reader = failingReader(Array.from({ length: 20 }, () => sdkError('ThrottlingException', 400)))
    await expect(loadWithDeadline(reader.read, ['n'], 29_000, time.deps)).rejects.toMatchObject({ code: ErrorCode.SSM_THROTTLED })
    expect(reader.calls()).toBe(6)
  })

  it('gives up when the next delay would pass the deadline, reporting ssm_throttled', async () => {
    const time = virtualTime()
    const reader = failingReader(Array.from({ length: 20 }, () => sdkError('ThrottlingException', 400)))
    await expect(loadWithDeadline(reader.read, ['n'], 350, time.deps)).rejects.toMatchObject({
      code: ErrorCode.SSM_THROTTLED,
      setting: 'AUTHORIZER_SSM_PATH',
    })
    // Attempts at 0, 100 and 300 ms; the next delay (400 ms) would end past the deadline.
    expect(reader.calls()).toBe(3)
    expect(time.elapsed()).toBe(300)
  })

  it('does not retry AccessDenied or KMS errors', async () => {
    for (const name of ['AccessDeniedException', 'InvalidKeyId', 'ParameterNotFound']) {
      const reader = failingReader([sdkError(name, 400)])
      const error = await loadWithDeadline(reader.read, ['n'], 3000, virtualTime().deps).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: ErrorCode.SSM_UNAVAILABLE })
      expect(String((error as Error).message)).toContain(name)
      expect(reader.calls()).toBe(1)
    }
  })

  it('passes each attempt only the budget that is left', async () => {
    const time = virtualTime()
    const budgets: number[] = []
    const read: ParameterReader = async (_names, timeoutMs) => {
      budgets.push(timeoutMs)
      time.advance(150)
      if (budgets.length < 3) throw sdkError('InternalServerError', 500)
      return new Map()
    }
    await loadWithDeadline(read, ['n'], 1000, time.deps)
    expect(budgets).toEqual([1000, 750, 400])
  })

  it('does not retry after an attempt timed out, since the budget is spent', async () => {
    const reader = failingReader([Object.assign(new Error('t'), { name: 'TimeoutError' })])
    await expect(loadWithDeadline(reader.read, ['n'], 3000, virtualTime().deps)).rejects.toMatchObject({ code: ErrorCode.SSM_UNAVAILABLE })
    expect(reader.calls()).toBe(1)
  })
})
