// Parses the SSM Parameter Store settings (environment only): the parameter path, the cold-start budget and the TTL.
import { SECRET_SETTINGS, type Settings } from './env.js'
import { parseInteger, parseOptional } from './values.js'
import { configError } from '../errors.js'

export interface SsmConfig {
  readonly path: string
  /** Parameter name -> setting name; one GetParameters call takes at most ten names. */
  readonly names: ReadonlyMap<string, string>
  readonly timeoutMs: number
  readonly ttlSeconds: number
}

export function parseSsmConfig(settings: Settings): SsmConfig | undefined {
  const raw = parseOptional(settings.AUTHORIZER_SSM_PATH)
  if (raw === undefined) return undefined
  const path = raw.trim().replace(/\/+$/, '')
  // Parameter Store names: letters, digits and _.-/ only, fully qualified paths start with a slash.
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(path)) throw configError('AUTHORIZER_SSM_PATH', 'must be a parameter path like /cube-auth/prod')
  return Object.freeze({
    path,
    names: new Map(SECRET_SETTINGS.map((name) => [`${path}/${name}`, name])),
    timeoutMs: parseInteger('AUTHORIZER_SSM_TIMEOUT_MS', settings.AUTHORIZER_SSM_TIMEOUT_MS, 3000, 100, 29_000),
    ttlSeconds: parseInteger('AUTHORIZER_SSM_TTL_SECONDS', settings.AUTHORIZER_SSM_TTL_SECONDS, 300, 0, 86_400),
  })
}

/** One source of truth per setting: a value in both places is ambiguous, so it fails closed. */
export function mergeSsmSettings(env: Settings, fromSsm: ReadonlyMap<string, string>, config: SsmConfig): Settings {
  const merged: Record<string, string> = { ...env }
  for (const [parameter, value] of fromSsm) {
    const name = config.names.get(parameter)
    if (name === undefined) continue
    const envValue = env[name as keyof Settings]
    if (envValue !== undefined && envValue !== '')
      throw configError(name, `is set both in the environment and in SSM (${parameter}); keep one source`)
    merged[name] = value
  }
  return Object.freeze(merged) as Settings
}
