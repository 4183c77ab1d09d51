// Settings from SSM Parameter Store: one load per cold start (started at init), TTL refresh off the request path, stale-if-error.
import { mergeSsmSettings, type SsmConfig } from '../settings/ssm.js'
import { sameSettings, type Settings } from '../settings/env.js'
import type { Logger } from '../observe/logger.js'
import type { ParameterReader } from './sdk-client.js'
import { loadWithDeadline, type LoadDeps } from './load.js'
import { AuthorizerError } from '../errors.js'

export interface SsmSourceDeps extends LoadDeps {
  readonly logger: Logger
  /** Creates the reader once; lazily, so the SDK is imported only when SSM is used. */
  readonly createReader: (budgetMs: number) => Promise<ParameterReader>
}

/** Retry a failed background reload after this long (or the TTL, if shorter). */
const RELOAD_RETRY_MS = 30_000

export function createSsmSettingsSource(env: Settings, config: SsmConfig, deps: SsmSourceDeps): () => Settings | Promise<Settings> {
  let reader: Promise<ParameterReader> | undefined
  let loaded: { settings: Settings; atMs: number } | undefined
  let inflight: Promise<Settings> | undefined
  let retryAtMs = Number.NEGATIVE_INFINITY
  const names = [...config.names.keys()]

  async function load(): Promise<Settings> {
    const started = deps.now()
    try {
      reader ??= deps.createReader(config.timeoutMs).catch((error: unknown) => {
        reader = undefined
        throw error
      })
      const { values, attempts } = await loadWithDeadline(await reader, names, config.timeoutMs - (deps.now() - started), deps)
      const merged = mergeSsmSettings(env, values, config)
      // Keep the same object when nothing changed, so the parsed configuration is reused.
      const settings = loaded !== undefined && sameSettings(loaded.settings, merged) ? loaded.settings : merged
      loaded = { settings, atMs: deps.now() }
      deps.logger.log('info', 'ssm_load', { outcome: 'ok', path: config.path, found: values.size, attempts, duration_ms: deps.now() - started })
      return settings
    } catch (error) {
      const reason = error instanceof AuthorizerError ? error.code : 'ssm_unavailable'
      deps.logger.log(loaded === undefined ? 'error' : 'warn', reason === 'ssm_throttled' ? 'ssm_throttled' : 'ssm_load_failed', {
        outcome: 'failed', path: config.path, reason, detail: error instanceof AuthorizerError ? error.message : 'client failed to start',
        setting: error instanceof AuthorizerError ? error.setting : 'AUTHORIZER_SSM_PATH', serving: loaded === undefined ? 'nothing' : 'last_good', duration_ms: deps.now() - started,
      })
      throw error
    }
  }

  function start(): Promise<Settings> {
    inflight ??= load().finally(() => {
      inflight = undefined
    })
    return inflight
  }

  // The init phase (and provisioned concurrency) runs this ahead of traffic; a failure here must not fail the init.
  const initial = start()
  let initialPending = true
  initial.then(() => (initialPending = false), () => {})

  return () => {
    if (loaded !== undefined) {
      const now = deps.now()
      if (now - loaded.atMs >= config.ttlSeconds * 1000 && now >= retryAtMs && inflight === undefined) {
        // The invocation that notices expiry keeps the cached values: a reload never adds latency.
        start().catch(() => {
          retryAtMs = deps.now() + Math.min(RELOAD_RETRY_MS, config.ttlSeconds * 1000)
        })
      }
      return loaded.settings
    }
    if (initialPending) {
      initialPending = false
      return initial
    }
    return start()
  }
}
