// Process plumbing for the bench: loading fresh instances of the built bundle, children with IPC, a discarding stdout.
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const OUR_PREFIXES = ['CUBEJS_', 'AUTHORIZER_', 'AWS_']

/** Settings must come only from what a section sets, never from the shell that started the bench. */
export function clearAuthorizerEnv() {
  for (const name of Object.keys(process.env)) if (OUR_PREFIXES.some((p) => name.startsWith(p))) delete process.env[name]
}

/**
 * A fresh module instance of dist/authorizer.mjs (its own settings snapshot, caches and SSM load), as a new Lambda
 * container would have. The query string makes a new module record; the chunks it imports are shared, as on disk.
 */
export async function loadHandler(distDir, env, tag) {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]]))
  for (const [name, value] of Object.entries(env)) process.env[name] = value
  try {
    const url = `${pathToFileURL(join(distDir, 'authorizer.mjs')).href}?instance=${encodeURIComponent(tag)}`
    return (await import(url)).handler
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/**
 * Replaces stdout with a sink that counts lines and bytes: the handler still builds and serializes every log line (a
 * real cost of each invocation), only the write to the Lambda log pipe is left out. Results go back over IPC.
 */
export function discardStdout() {
  const sink = { writes: 0, bytes: 0 }
  process.stdout.write = (chunk, encoding, callback) => {
    sink.writes += 1
    sink.bytes += chunk.length
    const done = typeof encoding === 'function' ? encoding : callback
    if (typeof done === 'function') done()
    return true
  }
  return sink
}

/** Runs a bench child (fresh V8, fresh module state) and resolves with the one result it sends over IPC. */
export function runChild(script, input, { execArgv = [], env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let result
    child.on('message', (message) => {
      if (message?.type === 'result') result = message.data
      if (message?.type === 'ready') child.send({ type: 'input', data: input })
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (result !== undefined && code === 0) resolve(result)
      else reject(new Error(`${script} exited with ${signal ?? code}${result === undefined ? ' without a result' : ''}`))
    })
  })
}

/** Inside a child: receive the input, run the section, send the result. */
export function childMain(section) {
  process.on('message', async (message) => {
    if (message?.type !== 'input') return
    try {
      const data = await section(message.data)
      process.send({ type: 'result', data }, () => process.disconnect())
    } catch (error) {
      process.stderr.write(`${error?.stack ?? error}\n`)
      process.exitCode = 1
      process.disconnect()
    }
  })
  process.send({ type: 'ready' })
}

const require = createRequire(import.meta.url)

/** The installed version of a package, from its own package.json. */
export function versionOf(name) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version
  } catch {
    // Packages whose exports hide package.json: find it through the entry point's node_modules folder.
    const entry = require.resolve(name)
    const root = entry.slice(0, entry.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length)
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
  }
}
