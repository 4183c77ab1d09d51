// Bundles each Lambda entry point handlers/<name>.ts into dist/<name>.mjs (ESM, target Node 22) with esbuild, plus local-only CJS shims.
import { build } from 'esbuild'
import { readdir, rm, writeFile } from 'node:fs/promises'
import { BUNDLE_OPTIONS } from './bundle-options.mjs'

const entries = (await readdir('handlers')).filter((file) => file.endsWith('.ts')).map((file) => file.slice(0, -3)).sort()

await rm('dist', { recursive: true, force: true })
// One esbuild call per entry point: with several entries in one call, code they share would be split out into chunks,
// and dist/authorizer.mjs must stay one self-contained file (only lazily imported modules, the AWS SDK, become chunks).
// Sequential, because entries that lazily import the SDK write identical chunk files.
for (const name of entries) {
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: { [name]: `handlers/${name}.ts` },
    outdir: 'dist',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
  })
  // `serverless invoke local` (Framework v3) require()s `dist/<name>` and then `dist/<name>.cjs`, never `.mjs`.
  // serverless-offline and AWS load the .mjs; serverless.yml keeps the shims out of the deployed package.
  await writeFile(
    `dist/${name}.cjs`,
    `'use strict'\n// Local-only shim for serverless invoke local; not deployed.\nexports.handler = async (event, context) => (await import('./${name}.mjs')).handler(event, context)\n`,
  )
}
