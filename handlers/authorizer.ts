// Lambda entry point: the authorizer configured from the environment (and SSM, when AUTHORIZER_SSM_PATH is set).
import { createAuthorizer } from '../lib/authorizer.js'

export const handler = createAuthorizer()
