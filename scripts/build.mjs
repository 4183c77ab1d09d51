// Bundles the Lambda handler into dist/authorizer.mjs (ESM, Node 20) with esbuild; lazily imported modules become chunks.
import { build } from 'esbuild'
import { rm, writeFile } from 'node:fs/promises'

await rm('dist', { recursive: true, force: true })
await build({
  entryPoints: { authorizer: 'handlers/authorizer.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The AWS SDK's ESM builds are smaller and avoid "Dynamic require of node:https" inside an ESM bundle.
  mainFields: ['module', 'main'],
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  minify: true,
  legalComments: 'linked',
  logLevel: 'warning',
})
// serverless invoke local (Framework v3) can only require() a handler; this shim is excluded from the deployed package.
await writeFile('dist/authorizer-local.cjs', "'use strict'\nexports.handler = async (event, context) => (await import('./authorizer.mjs')).handler(event, context)\n")
