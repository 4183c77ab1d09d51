// Builds Cube's security context from a verified payload: claims namespace, legacy `u`, and prototype-safe copying.
import { AuthorizerError, ErrorCode } from './errors.js'
import { isPlainObject } from './is-plain-object.js'

export type SecurityContext = Record<string, unknown>

/** Keys that could reach an object's prototype chain in a consumer that merges the context naively. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])
const MAX_DEPTH = 64

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
  // Our extension: some identity providers can only emit string claims. Cube 1.7.43 passes the text on as it is; JSON
  // text in the claim is an open request there (cube-js/cube#4811). README: namespace-json-text.
  try {
    return JSON.parse(value)
  } catch {
    return undefined
  }
}

/**
 * JSON text whose parse a safe copy would reproduce exactly. JSON.parse builds plain objects and arrays only, as safeCopy
 * does; a forbidden key cannot be spelled without one of these substrings or a backslash escape; and at most MAX_DEPTH
 * brackets (counted anywhere, inside strings too) cannot nest deeper than MAX_DEPTH.
 */
function needsNoCopy(json: string): boolean {
  if (UNSAFE_TEXT.test(json)) return false
  let brackets = 0
  for (let at = json.indexOf('{'); at !== -1 && brackets <= MAX_DEPTH; at = json.indexOf('{', at + 1)) brackets++
  for (let at = json.indexOf('['); at !== -1 && brackets <= MAX_DEPTH; at = json.indexOf('[', at + 1)) brackets++
  return brackets <= MAX_DEPTH
}

const UNSAFE_TEXT = /\\|__proto__|constructor|prototype/

/**
 * Cube's rules, kept to objects: `payload[namespace]` when it is an object (or, our extension, JSON text of one), else
 * {} where Cube would pass any other value on; without a namespace the payload with a legacy `u` object merged on top.
 * `parsedFrom`, the JSON text a caller just parsed `payload` from and hands over (nothing else will read or write it),
 * lets the copy be skipped when the text shows it would change nothing.
 */
export function buildSecurityContext(payload: Record<string, unknown>, namespace: string | undefined, parsedFrom?: string): SecurityContext {
  const owned = parsedFrom !== undefined && needsNoCopy(parsedFrom)
  if (namespace !== undefined) {
    const claims = namespaced(payload, namespace)
    if (!isPlainObject(claims)) return {}
    return owned ? claims : (safeCopy(claims) as SecurityContext)
  }
  // Merging u changes the object: only a copy may be changed (the payload is still read afterwards, for checkAuth).
  if (owned && !isPlainObject(payload.u)) return payload
  const context = safeCopy(payload) as SecurityContext
  const legacy = context.u
  if (isPlainObject(legacy)) {
    delete context.u
    Object.assign(context, legacy)
  }
  return context
}
