// Fetches one issuer's OpenID Provider configuration and takes its jwks_uri, under the same rules as a JWKS download.
import { AuthorizerError, configError, ErrorCode } from '../errors.js'
import { isPlainObject } from '../is-plain-object.js'
import { JwksFetchError, type JsonFetcher } from '../jwks/fetch.js'
import { parseJwksUrl } from '../settings/jwks.js'
import { discoveryUrl } from '../settings/oidc.js'

export interface DiscoverOptions {
  /** The setting that named the issuer, for error messages. */
  readonly setting: string
  readonly timeoutMs: number
  readonly allowForeignJwksHost: boolean
  readonly fetcher: JsonFetcher
}

/**
 * The issuer's jwks_uri. A provider that cannot be reached (timeout, status, redirect, size, not JSON) is
 * oidc_discovery_failed; a document that answers for another issuer, or points its keys elsewhere, is a configuration
 * error: either way 500, never a guess.
 */
export async function discoverJwksUri(issuer: string, options: DiscoverOptions): Promise<string> {
  let json: unknown
  try {
    json = (await options.fetcher(discoveryUrl(issuer), options.timeoutMs)).json
  } catch (error) {
    const reason = error instanceof JwksFetchError ? error.message : 'connection failed'
    throw new AuthorizerError(ErrorCode.OIDC_DISCOVERY_FAILED, `${options.setting}: discovery failed (${reason})`, { setting: options.setting, cause: error })
  }
  if (!isPlainObject(json)) throw configError(options.setting, 'discovery document is not a JSON object')
  // OIDC Discovery §4.3: the issuer in the document must be identical to the URL the configuration was fetched for;
  // else a provider (or whoever answers for it) could vouch for someone else's tokens.
  if (json.issuer !== issuer) throw configError(options.setting, 'discovery document names another issuer (it must equal the setting exactly)')
  if (typeof json.jwks_uri !== 'string') throw configError(options.setting, 'discovery document has no jwks_uri')
  const jwksUri = parseJwksUrl(options.setting, json.jwks_uri)
  if (!options.allowForeignJwksHost && new URL(jwksUri).hostname !== new URL(issuer).hostname)
    throw configError(options.setting, "discovery document's jwks_uri is not on the issuer's host; to allow that set AUTHORIZER_OIDC_ALLOW_FOREIGN_JWKS_HOST=true")
  return jwksUri
}
