// Local SSM Parameter Store (AWS JSON 1.1 over node:http): tests drive the real @aws-sdk/client-ssm against it, and
// `npm run dev:ssm` serves it. Plain JavaScript so that Node runs it as it is; its types are in ssm-server.d.mts.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'

const MAX_NAMES_PER_GET_PARAMETERS = 10
const DEFAULT_PAGE_SIZE = 10

const ok = (body) => ({ status: 200, body })
const awsError = (status, type, message) =>
  ({ status, errorType: type, body: message === undefined ? { __type: type } : { __type: type, message } })

const FAULT_REPLIES = {
  throttle: awsError(400, 'ThrottlingException', 'Rate exceeded'),
  error500: awsError(500, 'InternalServerError'),
  accessDenied: awsError(400, 'AccessDeniedException', 'User is not authorized to perform: ssm:GetParameters'),
  kms: awsError(400, 'InvalidKeyId', 'The KMS key that encrypts the parameter is disabled or not accessible'),
}

async function readBody(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(Buffer.from(chunk))
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

function send(res, reply) {
  if (res.destroyed) return
  const headers = { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() }
  if (reply.errorType !== undefined) headers['x-amzn-ErrorType'] = reply.errorType
  res.writeHead(reply.status, headers).end(JSON.stringify(reply.body))
}

export async function startSsmServer(options = {}) {
  const nowMs = options.nowMs ?? Date.now
  const arnPrefix = `arn:aws:ssm:${options.region ?? 'us-east-1'}:${options.accountId ?? '123456789012'}:parameter`
  const store = new Map()
  const calls = []
  const timers = new Set()
  let fault

  const setParameter = (name, value, type = 'SecureString') => {
    store.set(name, { value, type, version: (store.get(name)?.version ?? 0) + 1, modifiedMs: nowMs() })
  }
  for (const [name, p] of Object.entries(options.parameters ?? {})) {
    setParameter(name, typeof p === 'string' ? p : p.value, typeof p === 'string' ? 'SecureString' : p.type)
  }

  // Without decryption SSM returns ciphertext; the placeholder lets tests prove WithDecryption was sent.
  const toWire = (name, p, decrypt) => ({
    Name: name,
    Type: p.type,
    Value: p.type === 'SecureString' && !decrypt ? Buffer.from(`kms:${p.value}`).toString('base64') : p.value,
    Version: p.version,
    ARN: `${arnPrefix}${name.startsWith('/') ? '' : '/'}${name}`,
    DataType: 'text',
    LastModifiedDate: p.modifiedMs / 1000,
  })

  const wire = (names, decrypt) =>
    names.flatMap((n) => { const p = store.get(n); return p ? [toWire(n, p, decrypt)] : []; })

  const operations = new Map([
    ['GetParameters', ({ Names = [], WithDecryption = false }) => {
      if (Names.length < 1 || Names.length > MAX_NAMES_PER_GET_PARAMETERS) {
        return awsError(400, 'ValidationException', `Names must hold 1 to ${MAX_NAMES_PER_GET_PARAMETERS} names, got ${Names.length}`)
      }
      return ok({ Parameters: wire(Names, WithDecryption), InvalidParameters: Names.filter((n) => !store.has(n)) })
    }],
    ['GetParameter', ({ Name = '', WithDecryption = false }) => {
      const p = store.get(Name)
      return p ? ok({ Parameter: toWire(Name, p, WithDecryption) }) : awsError(400, 'ParameterNotFound', `Parameter ${Name} not found.`)
    }],
    ['GetParametersByPath', ({ Path = '', Recursive = false, WithDecryption = false, MaxResults = DEFAULT_PAGE_SIZE, NextToken }) => {
      const start = NextToken === undefined ? 0 : Number(NextToken)
      if (!Path.startsWith('/') || !Number.isInteger(start)) return awsError(400, 'ValidationException', 'Invalid Path or NextToken')
      const prefix = Path.endsWith('/') ? Path : `${Path}/`
      const names = [...store.keys()]
        .filter((n) => n.startsWith(prefix) && (Recursive || !n.slice(prefix.length).includes('/')))
        .sort()
      const end = start + MaxResults
      return ok({ Parameters: wire(names.slice(start, end), WithDecryption), ...(end < names.length && { NextToken: String(end) }) })
    }],
  ])

  // Refill continuously at tps, capped at burst; a request needs one whole token.
  const takeToken = (state, tps, burst) => {
    const now = nowMs()
    state.tokens = Math.min(burst, state.tokens + ((now - state.refilledMs) / 1000) * tps)
    state.refilledMs = now
    if (state.tokens < 1) return false
    state.tokens -= 1
    return true
  }

  const decide = () => {
    const current = fault
    if (current === undefined) return { kind: 'answer', delayMs: 0 }
    current.remaining -= 1
    if (current.remaining <= 0) fault = undefined
    const { spec } = current
    switch (spec.kind) {
      case 'delay': return { kind: 'answer', delayMs: spec.ms }
      case 'hang': return { kind: 'hang' }
      case 'rateLimit':
        return takeToken(current, spec.tps, spec.burst) ? { kind: 'answer', delayMs: 0 } : { kind: 'reject', reply: FAULT_REPLIES.throttle }
      default: return { kind: 'reject', reply: FAULT_REPLIES[spec.kind] }
    }
  }

  const handle = async (req, res) => {
    const header = req.headers['x-amz-target']
    const target = (typeof header === 'string' ? header : '').replace(/^AmazonSSM\./, '')
    const body = await readBody(req)
    await options.beforeRequest?.()
    calls.push({ target, body: body ?? {}, signed: req.headers.authorization !== undefined })
    const decision = decide()
    if (decision.kind === 'hang') return; // the socket stays open until the client gives up or close() destroys it
    if (decision.kind === 'reject') return send(res, decision.reply)
    if (decision.delayMs > 0) {
      await new Promise((resolve) => {
        const timer = setTimeout(() => { timers.delete(timer); resolve(); }, decision.delayMs)
        timers.add(timer)
      })
    }
    const operation = req.method === 'POST' && req.url === '/' ? operations.get(target) : undefined
    if (operation === undefined) return send(res, awsError(400, 'InvalidAction', `Unsupported operation: ${target}`))
    send(res, body === undefined ? awsError(400, 'SerializationException', 'Body is not a JSON object') : operation(body))
  }

  const server = createServer((req, res) => { handle(req, res).catch(() => res.destroy()); })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('SSM test server has no TCP address')

  return {
    url: `http://127.0.0.1:${address.port}`,
    calls,
    callCount: (target) => (target === undefined ? calls.length : calls.filter((c) => c.target === target).length),
    setParameter,
    deleteParameter: (name) => { store.delete(name); },
    setFault: (spec) => {
      if (spec?.times !== undefined && !(spec.times >= 1)) throw new RangeError('fault times must be at least 1')
      fault = spec && { spec, remaining: spec.times ?? Infinity, tokens: spec.kind === 'rateLimit' ? spec.burst : 0, refilledMs: nowMs() }
    },
    close: () => new Promise((resolve, reject) => {
      for (const timer of timers) clearTimeout(timer)
      if (!server.listening) return resolve()
      server.close((err) => (err ? reject(err) : resolve()))
      server.closeAllConnections(); // hung and keep-alive sockets would otherwise hold close() open
    }),
  }
}
