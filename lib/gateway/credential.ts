// Takes the one credential of a request from its headers (and a configured query parameter or cookie), or refuses the request.
import { AuthorizerError, ErrorCode } from '../errors.js'
import { isPlainObject } from '../is-plain-object.js'
import { TokenSource } from './token-sources.js'

type Headers = Record<string, unknown> | null | undefined

/**
 * Every value of one header, from `headers` and `multiValueHeaders` together and under any spelling of its name. API
 * Gateway fills both maps for REST and WebSocket events (`headers` holds the last value); reading both means a value
 * that only one of them holds can never be the one that decides.
 */
function headerValues(headers: Headers, multi: Headers, name: string): string[] {
  const values: string[] = []
  if (isPlainObject(multi)) {
    for (const [key, value] of Object.entries(multi)) {
      if (key.toLowerCase() === name && Array.isArray(value)) values.push(...value.filter((v) => typeof v === 'string'))
    }
  }
  if (isPlainObject(headers)) {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === name && typeof value === 'string') values.push(value)
    }
  }
  return values
}

/**
 * The one value of a header, undefined when blank; several different ones (a blank one next to a token included) or a
 * comma-joined list (HTTP APIs join repeated headers with commas) are malformed.
 */
function singleValue(headers: Headers, multi: Headers, name: string): string | undefined {
  const values = [...new Set(headerValues(headers, multi, name).map((value) => value.trim()))]
  if (values.length > 1 || values[0]?.includes(',')) throw new AuthorizerError(ErrorCode.TOKEN_MALFORMED, `several ${name} values`)
  return values[0] === '' ? undefined : values[0]
}

/** `Bearer <jwt>` in any case, or a bare `<jwt>` as @cubejs-client/core sends it; anything else is malformed. */
export function parseCredential(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (trimmed === '') return undefined
  const match = /^bearer[ \t]+(\S+)$/i.exec(trimmed)
  if (match?.[1] !== undefined) return match[1]
  if (/\s/.test(trimmed)) throw new AuthorizerError(ErrorCode.TOKEN_MALFORMED, 'unsupported authorization scheme')
  return trimmed
}

/** The credential a header value carries, or the value itself when it is malformed (so that it can still be compared). */
function comparable(value: string): string {
  try {
    return parseCredential(value) ?? value
  } catch {
    return value
  }
}

/**
 * X-Cube-Authorization (Cube's own header, which wins as in Cube's gateway) or Authorization. When both are present
 * they must carry the same credential (`Bearer T` and a bare `T` are the same): API Gateway caches an answer under the
 * identity source, often Authorization alone, so an answer given for one header's credential must never be reused for
 * requests that merely share the other header's value.
 */
export function requestCredential(headers: Headers, multi: Headers): string | undefined {
  const cube = singleValue(headers, multi, 'x-cube-authorization')
  const authorization = singleValue(headers, multi, 'authorization')
  if (cube !== undefined && authorization !== undefined && comparable(cube) !== comparable(authorization))
    throw new AuthorizerError(ErrorCode.CREDENTIALS_AMBIGUOUS, 'X-Cube-Authorization and Authorization carry different credentials')
  return parseCredential(cube ?? authorization)
}

/** Where the credential came from, and the credential; both undefined when the request carries none. */
export interface FoundCredential {
  readonly token: string | undefined
  readonly source: TokenSource | undefined
}

/**
 * The values one query parameter or cookie name holds, as one credential: blanks are ignored, a comma (HTTP APIs join
 * repeated parameters with one) is malformed, and two different credentials under the same name are ambiguous.
 */
function locationCredential(values: readonly string[]): string | undefined {
  const found = new Set<string>()
  for (const value of values) {
    if (value.includes(',')) throw new AuthorizerError(ErrorCode.TOKEN_MALFORMED, 'several values joined with commas')
    const credential = parseCredential(value)
    if (credential !== undefined) found.add(credential)
  }
  if (found.size > 1) throw new AuthorizerError(ErrorCode.CREDENTIALS_AMBIGUOUS, 'one query parameter or cookie name carries different credentials')
  return found.values().next().value
}

/**
 * The one-credential rule across every configured source: the headers (see requestCredential), the query parameter and
 * the cookie. API Gateway caches an answer under the identity source, which names one of them; a request carrying a
 * different credential in another place could otherwise be answered with the cached decision of someone else's token.
 * The same credential in several places is fine (a client that sends it twice).
 */
export function oneCredential(header: string | undefined, query: readonly string[] | undefined, cookie: readonly string[] | undefined): FoundCredential {
  const found: Array<readonly [TokenSource, string]> = []
  if (header !== undefined) found.push([TokenSource.HEADER, header])
  const fromQuery = query === undefined ? undefined : locationCredential(query)
  if (fromQuery !== undefined) found.push([TokenSource.QUERY, fromQuery])
  const fromCookie = cookie === undefined ? undefined : locationCredential(cookie)
  if (fromCookie !== undefined) found.push([TokenSource.COOKIE, fromCookie])
  const first = found[0]
  if (first === undefined) return { token: undefined, source: undefined }
  if (found.some(([, credential]) => credential !== first[1]))
    throw new AuthorizerError(ErrorCode.CREDENTIALS_AMBIGUOUS, `${found.map(([source]) => source).join(', ')} carry different credentials`)
  return { token: first[1], source: first[0] }
}
