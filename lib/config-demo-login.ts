// Reads AUTHORIZER_DEMO_LOGIN, the switch of the token endpoint's placeholder login: off unless exactly true.
import { parseBoolean } from './config-values.js'

/** Throws a configuration error naming AUTHORIZER_DEMO_LOGIN when the value is neither true nor false. */
export function readDemoLogin(env: NodeJS.ProcessEnv = process.env): boolean {
  return parseBoolean('AUTHORIZER_DEMO_LOGIN', env.AUTHORIZER_DEMO_LOGIN, false)
}
