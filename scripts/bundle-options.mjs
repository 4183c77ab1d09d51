// The esbuild options every Lambda bundle in dist/ is built with (scripts/build.mjs); the bench builds its SDK-only
// cold-start reference with the very same ones, so that reference measures what our SSM chunk would cost.
export const BUNDLE_OPTIONS = Object.freeze({
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  // The AWS SDK's ESM builds are smaller and avoid "Dynamic require of node:https" inside an ESM bundle.
  mainFields: ['module', 'main'],
  outExtension: { '.js': '.mjs' },
  minify: true,
})
