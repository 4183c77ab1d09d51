// The shape other parts of the world rely on: one self-contained ESM file exporting handler, no top-level await, SDK lazy.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

const BUNDLE = new URL('../../dist/authorizer.mjs', import.meta.url)

describe('dist/authorizer.mjs', () => {
  it('exports a handler function and nothing else', async () => {
    const module = (await import(BUNDLE.href)) as Record<string, unknown>
    expect(Object.keys(module)).toEqual(['handler'])
    expect(typeof module.handler).toBe('function')
  })

  it('has no top-level await, so it can be loaded synchronously', () => {
    // require() of an ES module fails with ERR_REQUIRE_ASYNC_MODULE when the module uses top-level await.
    const required = createRequire(import.meta.url)(BUNDLE.pathname) as Record<string, unknown>
    expect(typeof required.handler).toBe('function')
  })

  it('imports only Node built-ins statically; the AWS SDK and node:http(s) only through dynamic imports', async () => {
    const source = await readFile(BUNDLE, 'utf8')
    const staticImports = [...source.matchAll(/(?:^|[;\s}])import\s*(?:[^"'();]*?\bfrom\s*)?["']([^"']+)["']/g)].map((m) => m[1])
    expect(staticImports.length).toBeGreaterThan(0)
    expect(staticImports.every((specifier) => specifier?.startsWith('node:'))).toBe(true)
    expect(staticImports).not.toContain('node:http')
    expect(staticImports).not.toContain('node:https')
    const dynamicImports = [...source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? '')
    // The SDK's chunk, and node:http(s) for the first JWKS fetch: neither is loaded by deployments that do not need it.
    expect(dynamicImports.filter((specifier) => !specifier.startsWith('node:'))).toEqual([expect.stringMatching(/^\.\/chunks\/sdk-client-[A-Z0-9]+\.mjs$/)])
    expect(dynamicImports.filter((specifier) => specifier.startsWith('node:')).sort()).toEqual(['node:http', 'node:https'])
  })

  it('ships a source map beside it', async () => {
    const map = JSON.parse(await readFile(new URL('../../dist/authorizer.mjs.map', import.meta.url), 'utf8')) as { sources: string[] }
    expect(map.sources.some((source) => source.endsWith('handlers/authorizer.ts'))).toBe(true)
  })
})
