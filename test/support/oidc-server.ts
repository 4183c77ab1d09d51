// A local OpenID provider on 127.0.0.1: discovery document and JWKS over node:http, misbehaving on demand.
import type { ServerResponse } from 'node:http'
import { listenOnLoopback, type JwksDocument } from './jwks-server.js'

export const DISCOVERY_PATH = '/.well-known/openid-configuration'

export type OidcMode =
  | { readonly kind: 'ok' }
  /** The document names another issuer (a mix-up, or someone answering for another provider). */
  | { readonly kind: 'wrongIssuer'; readonly issuer: string }
  /** jwks_uri points at another host (localhost instead of 127.0.0.1: the same server, but not the issuer's host). */
  | { readonly kind: 'foreignJwks' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'huge'; readonly bytes: number }

export interface OidcServer {
  /** The issuer URL, e.g. http://127.0.0.1:1234/tenant (a path, as Keycloak and Cognito issuers have). */
  readonly issuer: string
  readonly jwksUrl: string
  readonly discoveryRequests: number
  readonly jwksRequests: number
  setMode(mode: OidcMode): void
  close(): Promise<void>
}

/** `path`: the issuer's path on the server (empty for an origin issuer; '/' for one with a trailing slash, as Auth0's). */
export async function startOidcServer(keys: JwksDocument, path = '/tenant'): Promise<OidcServer> {
  let mode: OidcMode = { kind: 'ok' }
  let discoveryRequests = 0
  let jwksRequests = 0
  // Known once the server listens; requests only arrive after that.
  let origin = ''
  let issuer = ''
  const base = path.replace(/\/+$/, '')
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const server = await listenOnLoopback((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (pathname === `${base}/jwks`) {
      jwksRequests += 1
      return json(res, 200, keys)
    }
    if (pathname !== `${base}${DISCOVERY_PATH}`) return json(res, 404, { error: 'not found' })
    discoveryRequests += 1
    const document = { issuer, jwks_uri: `${origin}${base}/jwks`, authorization_endpoint: `${origin}${base}/authorize`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] }
    switch (mode.kind) {
      case 'ok':
        return json(res, 200, document)
      case 'wrongIssuer':
        return json(res, 200, { ...document, issuer: mode.issuer })
      case 'foreignJwks':
        return json(res, 200, { ...document, jwks_uri: `${origin.replace('127.0.0.1', 'localhost')}${base}/jwks` })
      case 'hang':
        return
      case 'status':
        return json(res, mode.status, { error: 'injected' })
      case 'redirect':
        res.writeHead(302, { location: mode.location })
        return res.end()
      case 'huge':
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ ...document, padding: 'a'.repeat(mode.bytes) }))
    }
  })
  origin = server.origin
  issuer = `${origin}${path}`
  return {
    issuer,
    jwksUrl: `${origin}${base}/jwks`,
    get discoveryRequests() {
      return discoveryRequests
    },
    get jwksRequests() {
      return jwksRequests
    },
    setMode: (next) => {
      mode = next
    },
    close: server.close,
  }
}
