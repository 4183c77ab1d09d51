// Parses AUTHORIZER_TOKEN_QUERY_PARAM and AUTHORIZER_TOKEN_COOKIE: the names under which REQUEST events may carry a token.
import { configError } from '../errors.js'
import type { Settings } from './env.js'
import { parseOptional } from './values.js'
import { NO_EXTRA_LOCATIONS, type TokenLocations } from '../gateway/token-sources.js'

// Names that need no escaping anywhere they appear: in a URL, in serverless.yml's identity source, in a Cookie header.
const QUERY_PARAM = /^[A-Za-z0-9._~-]{1,64}$/
const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/

export function parseTokenLocations(settings: Settings): TokenLocations {
  const queryParam = parseOptional(settings.AUTHORIZER_TOKEN_QUERY_PARAM)?.trim()
  const cookie = parseOptional(settings.AUTHORIZER_TOKEN_COOKIE)?.trim()
  if (queryParam === undefined && cookie === undefined) return NO_EXTRA_LOCATIONS
  if (queryParam !== undefined && !QUERY_PARAM.test(queryParam))
    throw configError('AUTHORIZER_TOKEN_QUERY_PARAM', 'must be a query parameter name of letters, digits and . _ ~ - (up to 64)')
  if (cookie !== undefined && !COOKIE_NAME.test(cookie)) throw configError('AUTHORIZER_TOKEN_COOKIE', 'must be a cookie name (RFC 6265 token characters, up to 64)')
  return Object.freeze({ queryParam, cookie })
}
