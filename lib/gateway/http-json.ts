// Minimal helpers for the example HTTP functions (API Gateway Lambda proxy, REST payload 1.0 and HTTP API 2.0).

export interface JsonResponse {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** A JSON answer that no browser or proxy caches: these answers carry per-user data or tokens. */
export function jsonResponse(statusCode: number, body: unknown): JsonResponse {
  return { statusCode, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(body) }
}

/** A request header by name in any case (REST keeps the client's spelling, HTTP APIs lower-case it); undefined when absent. */
export function headerOf(event: unknown, name: string): string | undefined {
  const headers = typeof event === 'object' && event !== null ? (event as { headers?: unknown }).headers : undefined
  if (typeof headers !== 'object' || headers === null) return undefined
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted && typeof value === 'string') return value
  return undefined
}

/** The request path, for logs: REST `path`, HTTP API `rawPath`. */
export function pathOf(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined
  const { rawPath, path } = event as { rawPath?: unknown; path?: unknown }
  return typeof rawPath === 'string' ? rawPath : typeof path === 'string' ? path : undefined
}
