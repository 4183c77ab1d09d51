// Shortens resource pattern lists without changing a single answer, so that more rules fit API Gateway's 8 KB.
import { UnscopedRoutes } from '../settings/access.js'
import type { RoutePatterns } from './decide.js'
import { wildcardCovers, wildcardIntersects } from './wildcard.js'

/**
 * Two rewrites, each exactly equivalent for every request:
 * 1. drop a pattern another one in the same list already covers;
 * 2. with unscoped routes denied, widen a Deny pattern to the shortest prefix-and-`*` that no Allow pattern can meet:
 *    what the wider pattern adds was denied anyway (implicitly), and nothing allowed is touched.
 * Merging a path's methods into `*` would not be exact: in an ARN `*` also spans `/`, so `*` + `/x` matches `GET/a/x`.
 */
export function compressPatterns(patterns: RoutePatterns, unscoped: UnscopedRoutes): RoutePatterns {
  const allow = minimal(patterns.allow)
  // Rules share prefixes (`/tenants/…`): each candidate is checked against the Allow list once.
  const clear = new Map<string, boolean>()
  const meetsNoAllow = (candidate: string) => {
    let known = clear.get(candidate)
    if (known === undefined) clear.set(candidate, (known = !allow.some((a) => wildcardIntersects(a, candidate))))
    return known
  }
  const deny = unscoped === UnscopedRoutes.DENY ? patterns.deny.map((pattern) => widenDeny(pattern, meetsNoAllow)) : patterns.deny
  return { allow, deny: minimal(deny) }
}

/** The characters before the first wildcard: a pattern can only cover what starts with them. */
const literalPrefix = (pattern: string): string => pattern.slice(0, pattern.search(/[*?]|$/))

/** Keeps the first of equal patterns and every pattern no other one covers, in the original order. */
export function minimal(patterns: readonly string[]): string[] {
  const unique = [...new Set(patterns)]
  // Only a pattern with a wildcard covers another one, and only one whose literal prefix the other starts with:
  // index them by that prefix, so each pattern meets a handful of candidates instead of the whole list.
  const byPrefix = new Map<string, number[]>()
  unique.forEach((pattern, j) => {
    if (!/[*?]/.test(pattern)) return
    const prefix = literalPrefix(pattern)
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), j])
  })
  const covered = (narrow: string, i: number): boolean => {
    for (let end = 0; end <= narrow.length; end++) {
      for (const j of byPrefix.get(narrow.slice(0, end)) ?? []) {
        const broad = unique[j] ?? ''
        // Two patterns covering each other: keep the first.
        if (j !== i && wildcardCovers(broad, narrow) && !(j > i && wildcardCovers(narrow, broad))) return true
      }
    }
    return false
  }
  return unique.filter((pattern, i) => !covered(pattern, i))
}

/**
 * The shortest widening per method prefix, by bisection: a longer prefix only narrows a candidate, so once one is
 * clear of every Allow pattern, all longer ones are too.
 */
function widenDeny(pattern: string, meetsNoAllow: (candidate: string) => boolean): string {
  const slash = pattern.indexOf('/')
  const path = pattern.slice(slash)
  const literal = literalPrefix(path).length
  let best = pattern
  for (const method of ['*', pattern.slice(0, slash)]) {
    const candidate = (end: number) => `${method}${path.slice(0, end)}*`
    if (literal < 1 || !meetsNoAllow(candidate(literal))) continue
    let [low, high] = [1, literal]
    while (low < high) {
      const mid = Math.floor((low + high) / 2)
      if (meetsNoAllow(candidate(mid))) high = mid
      else low = mid + 1
    }
    if (candidate(low).length < best.length) best = candidate(low)
  }
  return best
}
