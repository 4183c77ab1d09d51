// test/security harness: a whole authorizer on a fixed clock, exact-outcome assertions, and a suite-wide log audit.
import { expect } from 'vitest'
import { createAuthorizer, type AuthorizerHandler } from '../../lib/authorizer.js'
import type { CheckAuth } from '../../lib/check-auth.js'
import type { JwtOptions } from '../../lib/config.js'
import type { Settings } from '../../lib/config-env.js'
import { jsonLogger, LogLevel, type Logger } from '../../lib/logger.js'

export const NOW_MS = Date.UTC(2025, 0, 15, 12, 0, 0)
export const NOW_S = NOW_MS / 1000
/** Distinctive, so that finding it in a log line can only mean it leaked. */
export const SECRET = 'sec-suite-secret-9c41e07b5a2d-0123456789abcdef0123456789abcdef01'
export const OTHER_SECRET = 'sec-suite-attacker-3f8d2b6e10ca-0123456789abcdef0123456789abcdef'

/** What one invocation ended in; a thrown value keeps its constructor name so a TypeError can never pass as a 401. */
export type Outcome =
  | { readonly kind: 'result'; readonly result: Record<string, unknown> }
  | { readonly kind: 'thrown'; readonly type: string; readonly message: string }

export async function outcomeOf(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { kind: 'result', result: (await promise) as Record<string, unknown> }
  } catch (error) {
    const type = typeof error === 'object' && error !== null ? String(error.constructor?.name) : typeof error
    return { kind: 'thrown', type, message: error instanceof Error ? error.message : String(error) }
  }
}

/** One word per outcome, for tables of cases: allow, deny, Unauthorized, or the error message. */
export function summary(outcome: Outcome): string {
  if (outcome.kind === 'thrown') return outcome.type === 'Error' ? outcome.message : `${outcome.type}: ${outcome.message}`
  const result = outcome.result as { isAuthorized?: boolean; policyDocument?: { Statement?: Array<{ Effect?: string }> } }
  if (result.isAuthorized !== undefined) return result.isAuthorized ? 'allow' : 'deny'
  return result.policyDocument?.Statement?.[0]?.Effect === 'Allow' ? 'allow' : 'deny'
}

/**
 * Collects every log line the suite's authorizers write, and the values that must never appear in them: tokens and
 * their segments, secrets, key material and claim values. Each file checks it in an afterAll.
 */
export class LogAudit {
  readonly lines: string[] = []
  private readonly forbidden = new Set<string>()

  /** Values shorter than 8 characters would match innocent text ("HS256"), so they are not registered. */
  forbid(...values: ReadonlyArray<string | undefined>): void {
    for (const value of values) if (value !== undefined && value.length >= 8) this.forbidden.add(value)
  }

  /** A token, each of its segments and its Bearer form. */
  forbidToken(token: string): string {
    this.forbid(token, ...token.split('.'))
    return token
  }

  logger(now: () => number = () => NOW_MS): Logger {
    return jsonLogger(LogLevel.DEBUG, (line) => this.lines.push(line), now)
  }

  /** Forbidden values found in the captured lines; every line must also be one JSON object (no log injection). */
  leaks(): string[] {
    const text = this.lines.join('')
    for (const line of this.lines) {
      expect(line.endsWith('\n') && line.indexOf('\n') === line.length - 1).toBe(true)
      expect(typeof JSON.parse(line)).toBe('object')
    }
    return [...this.forbidden].filter((value) => text.includes(value))
  }

  /** Call from afterAll: fails on any leak, and proves the audit saw lines at all. */
  expectClean(minimumLines = 1): void {
    expect(this.lines.length).toBeGreaterThanOrEqual(minimumLines)
    expect(this.leaks()).toEqual([])
  }
}

export interface HarnessOptions {
  readonly jwt?: JwtOptions
  readonly checkAuth?: CheckAuth
  readonly clock?: { ms: number }
}

export interface Harness {
  readonly handler: AuthorizerHandler
  readonly clock: { ms: number }
  /** Decision lines written by this harness's authorizer, oldest first. */
  decisions(): Array<Record<string, unknown>>
  /** Runs one invocation and returns its outcome with the single decision line it wrote. */
  run(event: unknown): Promise<{ outcome: Outcome; decision: Record<string, unknown> | undefined; decisionCount: number }>
}

/** An authorizer with `settings` (handed out as one frozen snapshot), a fixed clock and a logger feeding `audit`. */
export function harness(audit: LogAudit, settings: Settings, options: HarnessOptions = {}): Harness {
  const clock = options.clock ?? { ms: NOW_MS }
  const mine: Array<Record<string, unknown>> = []
  const byRequest = new Map<unknown, Array<Record<string, unknown>>>()
  const sink = audit.logger(() => clock.ms)
  const logger: Logger = {
    log(level, message, fields) {
      if (message === 'decision') {
        const entry: Record<string, unknown> = { level, message, ...fields }
        mine.push(entry)
        byRequest.get(entry.request_id)?.push(entry)
      }
      sink.log(level, message, fields)
    },
  }
  // Secrets and key material must never be logged; URLs (origin and path) and other settings may be, by design.
  audit.forbid(settings.CUBEJS_API_SECRET, settings.CUBEJS_JWT_KEY, ...(settings.CUBEJS_API_SECRETS ?? '').split(','))
  const frozen = Object.freeze({ ...settings })
  const handler = createAuthorizer({
    settings: () => frozen,
    now: () => clock.ms,
    logger,
    ...(options.jwt === undefined ? {} : { jwt: options.jwt }),
    ...(options.checkAuth === undefined ? {} : { checkAuth: options.checkAuth }),
  })
  let invocations = 0
  return {
    handler,
    clock,
    decisions: () => [...mine],
    async run(event) {
      // A request id per invocation attributes decision lines correctly even when invocations run concurrently.
      const id = `sec-${++invocations}`
      const written: Array<Record<string, unknown>> = []
      byRequest.set(id, written)
      try {
        const outcome = await outcomeOf(handler(event, { awsRequestId: id }))
        return { outcome, decision: written[written.length - 1], decisionCount: written.length }
      } finally {
        byRequest.delete(id)
      }
    },
  }
}

/** Exactly `Error('Unauthorized')` (API Gateway's 401), one decision line, and the expected reason code. */
export async function expectUnauthorized(h: Harness, event: unknown, reason: string): Promise<void> {
  const { outcome, decision, decisionCount } = await h.run(event)
  expect(outcome).toEqual({ kind: 'thrown', type: 'Error', message: 'Unauthorized' })
  expect(decisionCount).toBe(1)
  expect({ outcome: decision?.outcome, reason: decision?.reason }).toEqual({ outcome: 'unauthorized', reason })
}

/** A 500-style `Authorizer error: <code>` (never Allow, never 401), logged as an error naming the setting if given. */
export async function expectAuthorizerError(h: Harness, event: unknown, code: string, setting?: string): Promise<void> {
  const { outcome, decision, decisionCount } = await h.run(event)
  expect(outcome).toEqual({ kind: 'thrown', type: 'Error', message: `Authorizer error: ${code}` })
  expect(decisionCount).toBe(1)
  expect({ outcome: decision?.outcome, reason: decision?.reason }).toEqual({ outcome: 'error', reason: code })
  if (setting !== undefined) expect(decision?.setting).toBe(setting)
}

/** An Allow, returned for further checks on its context. */
export async function expectAllow(h: Harness, event: unknown): Promise<Record<string, unknown>> {
  const { outcome, decision } = await h.run(event)
  if (outcome.kind !== 'result') throw new Error(`expected an Allow, got ${outcome.type}: ${outcome.message}`)
  expect(summary(outcome)).toBe('allow')
  expect(decision?.outcome).toBe('allow')
  return outcome.result
}

/** The security context an Allow carries, parsed back from its JSON. */
export function securityContextOf(result: Record<string, unknown>): Record<string, unknown> {
  const context = result.context as Record<string, unknown>
  return JSON.parse(String(context.securityContext)) as Record<string, unknown>
}
