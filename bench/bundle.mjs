// Goal 5: raw and gzip bytes of every file in dist/ (source maps skipped), and the no-SSM path: the entry file plus
// every chunk it imports statically (lazily imported chunks load only when AUTHORIZER_SSM_PATH is set); and the chunks
// an SSM cold start loads.
import { readFile, readdir } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'

const STATIC_IMPORT = /(?:\bfrom\s*|\bimport\s*)["'](\.{1,2}\/[^"']+)["']/g

async function walk(dir) {
  const files = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...(await walk(path)))
    else files.push(path)
  }
  return files
}

const importsOf = (text, pattern) => [...text.matchAll(pattern)].map((m) => m[1])

/** Files reachable from `entry` through static imports only. */
export async function staticClosure(entry) {
  const seen = new Set()
  const visit = async (file) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = await readFile(file, 'utf8')
    for (const spec of importsOf(text, STATIC_IMPORT)) await visit(join(dirname(file), spec))
  }
  await visit(entry)
  return [...seen]
}

/** `ssmLoaded`: the chunk files an SSM cold start loads (recorded by the cold-start section). */
export async function runBundle({ distDir, ssmLoaded }) {
  const files = (await walk(distDir)).filter((file) => !file.endsWith('.map')).sort()
  const sizes = new Map()
  for (const file of files) {
    const bytes = await readFile(file)
    sizes.set(file, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length })
  }
  const noSsm = await staticClosure(join(distDir, 'authorizer.mjs'))
  const sum = (list, key) => list.reduce((total, file) => total + (sizes.get(file)?.[key] ?? 0), 0)
  const ssmLazy = ssmLoaded.map((file) => join(distDir, file))
  return {
    files: files.map((file) => ({ file: relative(distDir, file), ...sizes.get(file) })),
    noSsm: { files: noSsm.map((file) => relative(distDir, file)), raw: sum(noSsm, 'raw'), gzip: sum(noSsm, 'gzip') },
    ssmLazy: { files: ssmLazy.map((file) => relative(distDir, file)), raw: sum(ssmLazy, 'raw'), gzip: sum(ssmLazy, 'gzip') },
    total: { raw: sum(files, 'raw'), gzip: sum(files, 'gzip') },
  }
}
