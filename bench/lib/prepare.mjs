// Before the sections run: snapshot dist/ (other processes may rebuild it meanwhile) and compile the test servers.
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { BUNDLE_OPTIONS } from '../../scripts/bundle-options.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export async function prepare() {
  const workDir = await mkdtemp(join(tmpdir(), 'cube-authorizer-bench-'))
  const distDir = join(workDir, 'dist')
  await cp(join(ROOT, 'dist'), distDir, { recursive: true })
  const supportDir = join(workDir, 'support')
  // The very servers the tests use (test/support), compiled on the fly; jose is bundled in so they run from tmp.
  await build({
    entryPoints: {
      'ssm-server': join(ROOT, 'test/support/ssm-server.mjs'),
      'jwks-server': join(ROOT, 'test/support/jwks-server.ts'),
    },
    outdir: supportDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  })
  // The SDK-only cold-start reference, bundled with the options of dist/ (chunks included).
  const sdkOnlyDir = join(workDir, 'sdk-only')
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: { 'sdk-only-handler': join(ROOT, 'bench/fixtures/sdk-only-handler.mjs') },
    outdir: sdkOnlyDir,
    logLevel: 'warning',
  })
  return { workDir, distDir, supportDir, sdkOnly: join(sdkOnlyDir, 'sdk-only-handler.mjs'), cleanup: () => rm(workDir, { recursive: true, force: true }) }
}
