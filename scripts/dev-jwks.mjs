#!/usr/bin/env node
// Serves the dev key pairs' JWKS on 127.0.0.1 for a local CUBEJS_JWK_URL: npm run dev:jwks [-- --port 4001]
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { DEV_ALGS, DEV_AUDIENCE, DEV_ISSUER, DEV_KEYS_DIR, devKey, publicJwk } from './dev-keys.mjs'

const JWKS_PATH = '/.well-known/jwks.json'
const usage = `Usage: npm run dev:jwks [-- --port <port>]   (default 4001; 0 picks a free port)
Serves the public keys of the dev key pairs in ${DEV_KEYS_DIR}/ (made on first use) at http://127.0.0.1:<port>${JWKS_PATH}.`

let values
try {
  ;({ values } = parseArgs({ options: { port: { type: 'string', default: '4001' }, help: { type: 'boolean', short: 'h' } } }))
} catch (error) {
  process.stderr.write(`dev:jwks: ${error.message}\n\n${usage}\n`)
  process.exit(2)
}
if (values.help) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`dev:jwks: --port must be a port number\n`)
  process.exit(2)
}

const keys = []
for (const alg of DEV_ALGS) keys.push(publicJwk(await devKey(alg)))
const body = JSON.stringify({ keys })

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === JWKS_PATH) {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300' }).end(body)
  } else {
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}')
  }
})
server.on('error', (error) => {
  process.stderr.write(`dev:jwks: cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}${error.code === 'EADDRINUSE' ? ' (try --port 0)' : ''}\n`)
  process.exit(1)
})
server.listen(port, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}${JWKS_PATH}`
  process.stdout.write(`Dev JWKS (${keys.map((k) => `${k.alg} ${k.kid}`).join(', ')}) on ${url}

Set these for the authorizer (npm run offline, npm run invoke):
  export CUBEJS_JWK_URL=${url}
  export CUBEJS_JWT_ISSUER=${DEV_ISSUER}
  export CUBEJS_JWT_AUDIENCE=${DEV_AUDIENCE}
Tokens: npm run -s token -- --alg ES256 --sub alice   (or RS256, EdDSA)
Ctrl-C stops the server.
`)
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0))
    server.closeAllConnections()
  })
}
