// Statistics and the interleaved paired-ratio runner shared by every bench section.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

export const min = (values) => Math.min(...values)
export const max = (values) => Math.max(...values)

export const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a')
export const fmtSpread = (values) => `${fmtRatio(min(values))}–${fmtRatio(max(values))}`
export function fmtNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`
  return `${ns.toFixed(0)} ns`
}
export const fmtMs = (ms) => `${ms.toFixed(1)} ms`
export const fmtBytes = (bytes) => (bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`)

/** A markdown table (it reads fine in a terminal too). */
export function table(headers, rows) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell)))
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)))
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`
  return [line(cells[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n')
}

/** A timed batch of n calls of a synchronous function; returns wall ns per call. */
export const syncBatch = (fn) => (n) => {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i += 1) fn()
  return Number(process.hrtime.bigint() - start) / n
}

/** A timed batch of n awaited calls; returns wall ns per call. */
export const asyncBatch = (fn) => async (n) => {
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i += 1) await fn()
  return Number(process.hrtime.bigint() - start) / n
}

/**
 * Runs a candidate for about warmupMs before anything is timed. JavaScript engines tier code up over thousands of calls
 * (a handler of a few dozen functions reaches its steady speed after roughly 20 000 invocations here), and a warm
 * Lambda container serves far more than that: what a warm invocation costs is the steady state, for every candidate.
 */
async function warmUp(batch, warmupMs) {
  let spentMs = 0
  for (let n = 64; spentMs < warmupMs; n = Math.min(n * 2, 1 << 20)) spentMs += ((await batch(n)) * n) / 1e6
}

/** Batch size so that one batch lasts about targetMs. */
async function calibrate(batch, targetMs) {
  let n = 8
  for (;;) {
    const perOp = await batch(n)
    const elapsedMs = (perOp * n) / 1e6
    if (elapsedMs >= targetMs / 4 || n >= 1 << 24) return Math.max(1, Math.ceil((n * targetMs) / Math.max(elapsedMs, 1e-3)))
    n *= 2
  }
}

/**
 * Runs every candidate once per round, alternating the order from round to round (forward, backward) so that drift
 * and neighbour noise hit all candidates alike, and pairs each candidate with the baseline of the same round.
 * Returns, per candidate, the ns/op of every round and the per-round ratios to the baseline.
 */
export async function interleaved(candidates, { baseline, rounds = 7, targetMs = 40, warmupMs = 0 }) {
  for (const candidate of candidates) await warmUp(candidate.batch, warmupMs)
  const sizes = new Map()
  for (const candidate of candidates) sizes.set(candidate.name, await calibrate(candidate.batch, targetMs))
  const perOp = new Map(candidates.map((c) => [c.name, []]))
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? candidates : [...candidates].reverse()
    for (const candidate of order) perOp.get(candidate.name).push(await candidate.batch(sizes.get(candidate.name)))
  }
  const base = perOp.get(baseline)
  const results = new Map()
  for (const candidate of candidates) {
    const times = perOp.get(candidate.name)
    const ratios = times.map((t, i) => t / base[i])
    results.set(candidate.name, { perOpNs: times, medianNs: median(times), ratios, medianRatio: median(ratios) })
  }
  return results
}
