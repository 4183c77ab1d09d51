#!/usr/bin/env node
// Runs the built bundle on one sample event and prints the result: npm run invoke events/<file>.json ["$TOKEN"]
import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'

const USAGE = `Usage: npm run invoke events/<file>.json [token]
Runs dist/authorizer.mjs on the event with your shell's settings. A token (with or without "Bearer ") replaces the
event's credential; without one the event keeps the sample token it carries. Says on stderr which token it used.`

function fail(message, code = 2) {
  process.stderr.write(`invoke: ${message}\n`)
  process.exit(code)
}

// Without `--`, npm takes `--token X` for its own `--token-description` (npm 11; older npm: `--token`) and hands
// this script only the file: running on the sample's valid token would then print a false Allow.
for (const name of ['npm_config_token_description', 'npm_config_token']) {
  if (process.env[name] !== undefined) {
    fail(`npm took --token for its own option (${name}), so the token never reached this script.\n` +
      'Pass the token as the second argument instead: npm run invoke events/<file>.json "$TOKEN"')
  }
}

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
const flag = args.find((arg) => arg.startsWith('-'))
if (flag === '--token' || flag?.startsWith('--token=')) fail(`--token is not an option: pass the token as the second argument.\n\n${USAGE}`)
if (flag !== undefined) fail(`unknown option ${flag}\n\n${USAGE}`)
if (args.length === 0) fail(`no event file given\n\n${USAGE}`)
if (args.length > 2) fail(`expected an event file and at most one token, got ${args.length} arguments (quote the token)\n\n${USAGE}`)
const [file, token] = args
if (token !== undefined && token.trim() === '') fail('the token argument is empty (is the variable you passed set?)')

let text
try {
  text = await readFile(file, 'utf8')
} catch (error) {
  fail(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.code ?? error.message}`)
}
let event
try {
  event = JSON.parse(text)
} catch (error) {
  fail(`${file} is not valid JSON: ${error.message.split('\n')[0]}`)
}
if (typeof event !== 'object' || event === null || Array.isArray(event)) fail(`${file} is not a JSON object (an API Gateway event)`)

/** Every place this event type carries the credential (the authorizer reads the one its event type defines). */
function credentialSlots(e) {
  const slots = []
  if (e.type === 'TOKEN') slots.push([e, 'authorizationToken'])
  for (const headers of [e.headers, e.multiValueHeaders]) {
    if (typeof headers !== 'object' || headers === null) continue
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') slots.push([headers, name])
  }
  if (Array.isArray(e.identitySource)) slots.push([e, 'identitySource'])
  return slots
}

const slots = credentialSlots(event)
if (token === undefined) {
  const carried = slots.some(([holder, key]) => (Array.isArray(holder[key]) ? holder[key].length > 0 : Boolean(holder[key])))
  process.stderr.write(carried ? `invoke: token from ${file} (the sample's own token; pass one as the second argument to use yours)\n`
    : `invoke: no token (${file} carries none)\n`)
} else {
  if (slots.length === 0) fail(`${file} has no Authorization header or authorizationToken to put the token in`)
  const bearer = /^bearer\s/i.test(token) ? token : `Bearer ${token}`
  for (const [holder, key] of slots) holder[key] = Array.isArray(holder[key]) ? [bearer] : bearer
  process.stderr.write(`invoke: token from the command line (${token.length} characters), in place of ${file}'s\n`)
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
