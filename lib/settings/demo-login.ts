// Reads AUTHORIZER_DEMO_LOGIN, the switch of the token endpoint's placeholder login: off unless exactly true.
import type { Settings } from './env.js'
import { parseBoolean } from './values.js'

/** Throws a configuration error naming AUTHORIZER_DEMO_LOGIN when the value is neither true nor false. */
export function readDemoLogin(settings: Settings): boolean {
  return parseBoolean('AUTHORIZER_DEMO_LOGIN', settings.AUTHORIZER_DEMO_LOGIN, false)
}
