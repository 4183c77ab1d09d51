// Where a REQUEST event may carry its token besides the headers: a query string parameter and a cookie (opt-in).
import { isPlainObject } from '../is-plain-object.js'

/** AUTHORIZER_TOKEN_QUERY_PARAM and AUTHORIZER_TOKEN_COOKIE; each undefined when not configured. */
export interface TokenLocations {
  readonly queryParam: string | undefined
  readonly cookie: string | undefined
}

export const NO_EXTRA_LOCATIONS: TokenLocations = Object.freeze({ queryParam: undefined, cookie: undefined })

/** Reported in the decision log (never the value): where the request's credential came from. */
export const TokenSource = { HEADER: 'header', QUERY: 'query', COOKIE: 'cookie' } as const
export type TokenSource = (typeof TokenSource)[keyof typeof TokenSource]

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [])

/**
 * Every value of the parameter, from `queryStringParameters` and (REST, WebSocket) `multiValueQueryStringParameters`
 * together, so that `?token=A&token=B` is seen as two values whichever map API Gateway fills. Names are case-sensitive
 * in URLs, and so here. HTTP APIs join repeated parameters with commas; the caller refuses a comma.
 */
export function queryValues(event: Readonly<Record<string, unknown>>, name: string): string[] {
  const values: string[] = []
  const multi = event.multiValueQueryStringParameters
  if (isPlainObject(multi) && Object.hasOwn(multi, name)) values.push(...strings(multi[name]))
  const single = event.queryStringParameters
  if (isPlainObject(single) && Object.hasOwn(single, name) && typeof single[name] === 'string') values.push(single[name])
  return values
}

/** `name=value` pairs of one Cookie header (`; `-separated) or of the HTTP API `cookies` array; quotes around a value dropped. */
function cookiePairs(text: string, name: string, into: string[]): void {
  for (const pair of text.split(';')) {
    const at = pair.indexOf('=')
    if (at === -1 || pair.slice(0, at).trim() !== name) continue
    const value = pair.slice(at + 1).trim()
    into.push(value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value)
  }
}

/**
 * Every cookie of that name: HTTP API events carry cookies in a `cookies` array, REST and WebSocket events in Cookie
 * headers (in `headers` and `multiValueHeaders`, under any spelling). A browser sends the same name twice when two
 * paths or domains set it; all of them are returned so that two different ones can be refused.
 */
export function cookieValues(event: Readonly<Record<string, unknown>>, name: string): string[] {
  const values: string[] = []
  for (const item of strings(event.cookies)) cookiePairs(item, name, values)
  for (const map of [event.headers, event.multiValueHeaders]) {
    if (!isPlainObject(map)) continue
    for (const [key, value] of Object.entries(map)) {
      if (key.toLowerCase() !== 'cookie') continue
      for (const text of typeof value === 'string' ? [value] : strings(value)) cookiePairs(text, name, values)
    }
  }
  return values
}
