// Chooses where settings come from: the environment alone, or the environment plus SSM Parameter Store.
import type { Settings } from './env.js'
import { parseSsmConfig } from './ssm.js'
import type { Logger } from '../observe/logger.js'
import type { ParameterReader } from '../ssm/sdk-client.js'
import { createSsmSettingsSource } from '../ssm/source.js'

export type SettingsSource = () => Settings | Promise<Settings>

export interface SourceDeps {
  readonly now: () => number
  readonly logger: Logger
  readonly createReader?: (budgetMs: number) => Promise<ParameterReader>
}

export function defaultSettingsSource(env: Settings, deps: SourceDeps): SettingsSource {
  let ssm
  try {
    ssm = parseSsmConfig(env)
  } catch (error) {
    // Never fail the init: report the bad setting on every invocation instead.
    return () => {
      throw error
    }
  }
  if (ssm === undefined) return () => env
  return createSsmSettingsSource(env, ssm, {
    now: deps.now,
    logger: deps.logger,
    random: Math.random,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    createReader: deps.createReader ?? (async (budgetMs) => (await import('../ssm/sdk-client.js')).createSdkReader(budgetMs)),
  })
}
