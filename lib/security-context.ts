// Builds Cube's security context from a verified payload: claims namespace, legacy `u`, and prototype-safe copying.
import { AuthorizerError, ErrorCode } from './errors.js'

export type SecurityContext = Record<string, unknown>

/** Keys that could reach an object's prototype chain in a consumer that merges the context naively. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])
const MAX_DEPTH = 64

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A deep copy of JSON data without prototype-polluting keys; every object made here is a plain object. */
export function safeCopy(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (depth > MAX_DEPTH) throw new AuthorizerError(ErrorCode.PAYLOAD_INVALID, 'claims nested too deeply')
  if (Array.isArray(value)) return value.map((item) => safeCopy(item, depth + 1))
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    if (!FORBIDDEN_KEYS.has(key)) copy[key] = safeCopy((value as Record<string, unknown>)[key], depth + 1)
  }
  return copy
}

function namespaced(payload: Record<string, unknown>, namespace: string): unknown {
  if (!Object.hasOwn(payload, namespace)) return undefined
  const value = payload[namespace]
  if (typeof value !== 'string') return value
  // Some identity providers can only emit string claims, so Cube accepts JSON text there (cube-js/cube#4811).
  try {
    return JSON.parse(value)
  } catch {
    return undefined
  }
}

/** Cube's rules: `payload[namespace]` when it is an object (or JSON text of one), else {}; without a namespace the payload with legacy `u` merged on top. */
export function buildSecurityContext(payload: Record<string, unknown>, namespace: string | undefined): SecurityContext {
  if (namespace !== undefined) {
    const claims = namespaced(payload, namespace)
    return isPlainObject(claims) ? (safeCopy(claims) as SecurityContext) : {}
  }
  const context = safeCopy(payload) as SecurityContext
  const legacy = context.u
  if (isPlainObject(legacy)) {
    delete context.u
    Object.assign(context, legacy)
  }
  return context
}
