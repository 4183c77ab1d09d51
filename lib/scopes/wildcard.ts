// API Gateway's resource ARN wildcards: `*` matches any run of characters (slashes included), `?` exactly one.

/** True when `text` matches `pattern` as a whole; case-sensitive, like execute-api resource matching. */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0
  let t = 0
  let starP = -1
  let starT = 0
  while (t < text.length) {
    const c = pattern[p]
    if (c === '*') {
      starP = p++
      starT = t
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++
      t++
    } else if (starP >= 0) {
      // Backtrack: let the last `*` swallow one more character.
      p = starP + 1
      t = ++starT
    } else return false
  }
  while (pattern[p] === '*') p++
  return p === pattern.length
}

/**
 * True when every string `narrow` matches is also matched by `broad`: `narrow` read as text, its `*` only inside a
 * `*` of `broad` and its `?` wherever one character may stand. Sound (never claims a cover that is not there), so a
 * resource it drops from a list never changes what the list matches.
 */
export function wildcardCovers(broad: string, narrow: string): boolean {
  return coversFrom(broad, 0, narrow, 0)
}

function coversFrom(broad: string, b: number, narrow: string, n: number): boolean {
  while (b < broad.length) {
    const c = broad[b]
    if (c === '*') {
      // A `*` may take any suffix of what is left, wildcards included.
      for (let k = n; k <= narrow.length; k++) if (coversFrom(broad, b + 1, narrow, k)) return true
      return false
    }
    const d = narrow[n]
    if (d === undefined || d === '*') return false
    if (c !== '?' && c !== d) return false
    b++
    n++
  }
  return n === narrow.length
}

/** True when some string matches both patterns (a product of the two automata, memoised: O(length × length)). */
export function wildcardIntersects(a: string, b: string): boolean {
  const width = b.length + 1
  // 0: not computed yet, 1: they meet from here, 2: they do not.
  const memo = new Uint8Array((a.length + 1) * width)
  const meet = (i: number, j: number): boolean => {
    const key = i * width + j
    const known = memo[key]
    if (known !== 0 && known !== undefined) return known === 1
    let result: boolean
    const x = a[i]
    const y = b[j]
    if (x === undefined && y === undefined) result = true
    else if (x === '*') result = meet(i + 1, j) || (y !== undefined && meet(i, j + 1))
    else if (y === '*') result = meet(i, j + 1) || (x !== undefined && meet(i + 1, j))
    else if (x === undefined || y === undefined) result = false
    else result = (x === '?' || y === '?' || x === y) && meet(i + 1, j + 1)
    memo[key] = result ? 1 : 2
    return result
  }
  return meet(0, 0)
}
