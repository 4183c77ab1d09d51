// The Serverless toolchain is the maintained osls fork under the `serverless` name, pinned, with nothing of v3 or v4 left.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './support/serverless.js'

interface Manifest {
  readonly engines?: Record<string, string>
  readonly dependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
}
interface LockEntry {
  readonly name?: string
  readonly version?: string
  readonly peerDependencies?: Record<string, string>
}
interface Lockfile {
  readonly packages: Record<string, LockEntry>
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(join(ROOT, file), 'utf8')) as T
const manifest = await readJson<Manifest>('package.json')
const lockfile = await readJson<Lockfile>('package-lock.json')
const installed = Object.entries(lockfile.packages).filter(([path]) => path !== '')
/** The package a lockfile path installs, e.g. node_modules/a/node_modules/@s/b -> @s/b. */
const packageAt = (path: string): string => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)

const OSLS = /^npm:osls@(\d+\.\d+\.\d+)$/

describe('the Serverless Framework toolchain', () => {
  it('is osls under the serverless name and serverless-offline 14, both at exact versions', () => {
    const dev = manifest.devDependencies ?? {}
    expect(dev.serverless).toMatch(OSLS)
    expect(dev['serverless-offline']).toMatch(/^14\.\d+\.\d+$/)
  })

  it('pins every dependency to an exact version', () => {
    const all = { ...manifest.dependencies, ...manifest.devDependencies }
    for (const [name, spec] of Object.entries(all)) expect(spec, name).toMatch(/^(npm:[\w@/.-]+@)?\d+\.\d+\.\d+$/)
  })

  it('locks the osls alias, and neither Serverless Framework v3 nor v4, anywhere in the tree', () => {
    const oslsVersion = OSLS.exec(manifest.devDependencies?.serverless ?? '')?.[1]
    const serverless = installed.filter(([path, entry]) => packageAt(path) === 'serverless' || entry.name === 'serverless')
    expect(serverless).toStrictEqual([['node_modules/serverless', expect.objectContaining({ name: 'osls', version: oslsVersion })]])
  })

  it('locks serverless-offline at the version package.json names, which accepts the osls major as its serverless', () => {
    const offline = lockfile.packages['node_modules/serverless-offline']
    expect(offline?.version).toBe(manifest.devDependencies?.['serverless-offline'])
    const oslsMajor = lockfile.packages['node_modules/serverless']?.version?.split('.')[0]
    expect(offline?.peerDependencies?.serverless).toMatch(new RegExp(`^\\^${String(oslsMajor)}\\.`))
  })

  it('pulls in no AWS SDK v2 (aws-sdk), which Framework v3 did', () => {
    expect(installed.filter(([path]) => packageAt(path) === 'aws-sdk')).toStrictEqual([])
  })

  it('keeps serverless.yml for osls 4 and Serverless Framework v4 alike: frameworkVersion 4, no org or app (v4 only)', async () => {
    const yml = await readFile(join(ROOT, 'serverless.yml'), 'utf8')
    expect(yml).toMatch(/^frameworkVersion: '4'$/m)
    expect(yml).toMatch(/^configValidationMode: error$/m)
    expect(yml).not.toMatch(/^(org|app):/m)
  })

  it('has osls installed where the serverless binary is looked up', async () => {
    const installedManifest = await readJson<{ name: string; version: string }>('node_modules/serverless/package.json')
    expect(installedManifest).toMatchObject({ name: 'osls', version: lockfile.packages['node_modules/serverless']?.version })
  })
})
