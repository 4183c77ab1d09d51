// A minimal WebSocket client over node:http (Node 20 has no global WebSocket): handshake, one text frame out, text frames in.
import { request } from 'node:http'
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'

export type Handshake =
  | { readonly kind: 'refused'; readonly status: number }
  | { readonly kind: 'open'; readonly socket: Socket; send(text: string): void; next(): Promise<string>; close(): void }

/** Client frames are masked (RFC 6455 5.3); lengths up to 64 KiB are enough for tests. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8')
  const mask = randomBytes(4)
  const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)))
  return Buffer.concat([header, mask, masked])
}

/** Splits unmasked server frames off the front of `buffer`; returns the text frames and what is left. */
function readFrames(buffer: Buffer): { texts: string[]; rest: Buffer } {
  const texts: string[] = []
  let at = 0
  for (;;) {
    if (buffer.length - at < 2) break
    const opcode = (buffer[at] ?? 0) & 0x0f
    let length = (buffer[at + 1] ?? 0) & 0x7f
    let start = at + 2
    if (length === 126) {
      if (buffer.length - at < 4) break
      length = buffer.readUInt16BE(at + 2)
      start = at + 4
    } else if (length === 127) {
      if (buffer.length - at < 10) break
      length = Number(buffer.readBigUInt64BE(at + 2))
      start = at + 10
    }
    if (buffer.length < start + length) break
    if (opcode === 0x1) texts.push(buffer.subarray(start, start + length).toString('utf8'))
    at = start + length
  }
  return { texts, rest: buffer.subarray(at) }
}

/** Opens ws://host:port/path; a refused handshake reports its HTTP status (401, 403, 500 ...). */
export function connect(url: string, headers: Record<string, string> = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), ...headers },
    })
    req.on('response', (response) => {
      response.resume()
      resolve({ kind: 'refused', status: response.statusCode ?? 0 })
    })
    req.on('upgrade', (_response, socket: Socket, head: Buffer) => {
      let buffer = head
      const queue: string[] = []
      const waiting: Array<(text: string) => void> = []
      socket.on('data', (chunk: Buffer) => {
        const { texts, rest } = readFrames(Buffer.concat([buffer, chunk]))
        buffer = rest
        for (const text of texts) {
          const waiter = waiting.shift()
          if (waiter) waiter(text)
          else queue.push(text)
        }
      })
      resolve({
        kind: 'open',
        socket,
        send: (text) => socket.write(textFrame(text)),
        next: () => new Promise<string>((done) => {
          const queued = queue.shift()
          if (queued !== undefined) done(queued)
          else waiting.push(done)
        }),
        close: () => socket.destroy(),
      })
    })
    req.on('error', reject)
    req.end()
  })
}
