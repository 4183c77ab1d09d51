#!/usr/bin/env node
// A local SSM Parameter Store for the authorizer (the tests' server): npm run dev:ssm, npm run dev:ssm -- put NAME VALUE
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startSsmServer } from '../test/support/ssm-server.mjs'

/** Relative to the project root (npm runs scripts there); git-ignored. The server re-reads it before every request. */
const DEV_SSM_DIR = '.dev-ssm'
const STORE = join(DEV_SSM_DIR, 'parameters.json')
const usage = `Usage: npm run dev:ssm [-- --port <port>]     serves SSM on 127.0.0.1 (default port 4002; 0 picks a free one)
       npm run dev:ssm -- put <name> <value> [--type SecureString|String]
       npm run dev:ssm -- delete <name>
Parameters live in ${STORE}; put and delete work whether or not the server runs.`

function fail(message) {
  process.stderr.write(`dev:ssm: ${message}\n`)
  process.exit(2)
}

let parsed
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string', default: '4002' }, type: { type: 'string', default: 'SecureString' }, help: { type: 'boolean', short: 'h' } },
  })
} catch (error) {
  fail(`${error.message}\n\n${usage}`)
}
const { values, positionals } = parsed
if (values.help) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}

async function readStore() {
  try {
    return JSON.parse(await readFile(STORE, 'utf8'))
  } catch (error) {
    if (error.code === 'ENOENT') return {}
    throw new Error(`cannot read ${STORE}: ${error.message}`)
  }
}

async function writeStore(store) {
  await mkdir(DEV_SSM_DIR, { recursive: true, mode: 0o700 })
  const temp = `${STORE}.${process.pid}.tmp`
  await writeFile(temp, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 })
  await rename(temp, STORE) // atomic: a running server never reads half a file
}

const checkName = (name) => {
  // Parameter Store names: letters, digits and _.-/ only.
  if (name === undefined || !/^\/?[A-Za-z0-9_.\-/]+$/.test(name)) fail(`not a parameter name: ${String(name)}\n\n${usage}`)
}

const [command, name, value, ...extra] = positionals
if (command === 'put') {
  checkName(name)
  if (value === undefined || extra.length > 0) fail(`put takes a name and one value (quote the value)\n\n${usage}`)
  if (!['SecureString', 'String'].includes(values.type)) fail('--type must be SecureString or String')
  const store = await readStore()
  store[name] = { value, type: values.type }
  await writeStore(store)
  // Never echo the value: it is usually a secret.
  process.stdout.write(`stored ${name} (${values.type}, ${value.length} characters) in ${STORE}\n`)
} else if (command === 'delete') {
  checkName(name)
  const store = await readStore()
  if (!(name in store)) fail(`${name} is not stored`)
  delete store[name]
  await writeStore(store)
  process.stdout.write(`deleted ${name}\n`)
} else if (command !== undefined) {
  fail(`unknown command ${command}\n\n${usage}`)
} else {
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail('--port must be a port number')
  const synced = new Map()
  let server
  const sync = async () => {
    const store = await readStore()
    for (const [n, p] of Object.entries(store)) {
      const key = `${p.type}:${p.value}`
      if (synced.get(n) !== key) server.setParameter(n, p.value, p.type)
      synced.set(n, key)
    }
    for (const n of [...synced.keys()]) if (!(n in store)) (server.deleteParameter(n), synced.delete(n))
  }
  try {
    server = await startSsmServer({ port, beforeRequest: () => sync() })
  } catch (error) {
    fail(`cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}${error.code === 'EADDRINUSE' ? ' (try --port 0)' : ''}`)
  }
  await sync()
  process.stdout.write(`Local SSM Parameter Store on ${server.url} (parameters in ${STORE}: ${synced.size} now)

Set these for the authorizer (npm run offline, npm run invoke):
  export AWS_ENDPOINT_URL_SSM=${server.url}
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local-dev-only
  export AUTHORIZER_SSM_PATH=/cube-auth/dev
Store a setting (here or in another terminal): npm run dev:ssm -- put /cube-auth/dev/CUBEJS_API_SECRET "<32+ byte secret>"
Ctrl-C stops the server.
`)
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close().then(() => process.exit(0)))
}
