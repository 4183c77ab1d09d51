// Runs the built bundle as a cold Lambda container would: reads {env, events, concurrent} from stdin, applies env, then
// imports dist/authorizer.mjs (which reads its settings at load) and prints one prefixed JSON result line per event,
// then the Node version it ran on.
import { readFileSync } from 'node:fs'

const RESULT_PREFIX = '@@result '
const NODE_PREFIX = '@@node '
const input = JSON.parse(readFileSync(0, 'utf8'))
for (const [name, value] of Object.entries(input.env ?? {})) process.env[name] = value

const { handler } = await import(new URL('../../dist/authorizer.mjs', import.meta.url).href)

async function invoke(event, index) {
  try {
    return { index, ok: true, result: await handler(event, { awsRequestId: `e2e-${index}` }) }
  } catch (error) {
    // The constructor's name tells an API Gateway-style Error('Unauthorized') apart from a TypeError crash.
    const type = typeof error === 'object' && error !== null ? error.constructor?.name : typeof error
    return { index, ok: false, error: { type, message: error instanceof Error ? error.message : String(error) } }
  }
}

const events = input.events ?? []
const results = input.concurrent ? await Promise.all(events.map(invoke)) : []
if (!input.concurrent) for (const [index, event] of events.entries()) results.push(await invoke(event, index))
for (const result of results) process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
process.stdout.write(`${NODE_PREFIX}${process.version}\n`)
