#!/usr/bin/env node
// Runs the built bundle on one sample event and prints the result: npm run invoke -- events/rest-token.json [--token <jwt>]
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { token: { type: 'string' } } })
const file = positionals[0]
if (!file) {
  process.stderr.write('Usage: npm run invoke -- events/<file>.json [--token <jwt>]\n')
  process.exit(2)
}
const event = JSON.parse(await readFile(file, 'utf8'))

// --token replaces the credential wherever this event type carries it.
if (values.token !== undefined) {
  const bearer = `Bearer ${values.token}`
  if (event.type === 'TOKEN') event.authorizationToken = bearer
  for (const headers of [event.headers, event.multiValueHeaders]) {
    if (!headers) continue
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'authorization') headers[name] = Array.isArray(headers[name]) ? [bearer] : bearer
    }
  }
  if (Array.isArray(event.identitySource)) event.identitySource = [bearer]
}

const { handler } = await import(pathToFileURL(resolve('dist/authorizer.mjs')).href)
try {
  const result = await handler(event, { awsRequestId: 'local-invoke', functionName: 'authorizer' })
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
} catch (error) {
  // API Gateway answers 401 for exactly 'Unauthorized' and 500 for anything else.
  const status = error.message === 'Unauthorized' ? 401 : 500
  process.stdout.write(`${JSON.stringify({ error: error.message, apiGatewayStatus: status }, null, 2)}\n`)
  process.exitCode = 1
}
