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
  const deny = unscoped === UnscopedRoutes.DENY ? patterns.deny.map((pattern) => widenDeny(pattern, allow)) : patterns.deny
  return { allow, deny: minimal(deny) }
}

/** Keeps the first of equal patterns and every pattern no other one covers, in the original order. */
export function minimal(patterns: readonly string[]): string[] {
  const unique = [...new Set(patterns)]
  return unique.filter((pattern, i) => !unique.some((other, j) => j !== i && wildcardCovers(other, pattern) && !(wildcardCovers(pattern, other) && j > i)))
}

function widenDeny(pattern: string, allow: readonly string[]): string {
  const slash = pattern.indexOf('/')
  const path = pattern.slice(slash)
  const literal = path.length - (path.match(/[*?].*$/)?.[0].length ?? 0)
  for (let end = 1; end <= literal; end++) {
    for (const method of ['*', pattern.slice(0, slash)]) {
      const candidate = `${method}${path.slice(0, end)}*`
      if (candidate.length < pattern.length && !allow.some((a) => wildcardIntersects(a, candidate))) return candidate
    }
  }
  return pattern
}
