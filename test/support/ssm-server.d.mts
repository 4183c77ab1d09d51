// Types of ssm-server.mjs, the local SSM Parameter Store that tests and `npm run dev:ssm` share.

export type ParameterType = 'String' | 'SecureString'

/** A fault hits every later request, or only the next `times` of them. */
export type SsmFault = { times?: number } & (
  | { kind: 'throttle' | 'error500' | 'accessDenied' | 'kms' | 'hang' }
  | { kind: 'delay'; ms: number }
  | { kind: 'rateLimit'; tps: number; burst: number }
)

/** The request fields the supported operations read, recorded as the client sent them (not validated). */
export interface SsmRequestBody {
  Name?: string; Names?: string[]; WithDecryption?: boolean
  Path?: string; Recursive?: boolean; MaxResults?: number; NextToken?: string
}

export interface SsmCall {
  target: string
  body: SsmRequestBody
  signed: boolean; // an Authorization header was present; the SigV4 signature is never checked
}

export interface SsmServerOptions {
  parameters?: Record<string, string | { value: string; type: ParameterType }>
  region?: string
  accountId?: string
  /** Clock for LastModifiedDate and the rateLimit token bucket, so tests can move time instead of waiting. */
  nowMs?: () => number
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number
  /** Runs before each request is answered, e.g. to pick up parameters stored by `npm run dev:ssm -- put`. */
  beforeRequest?: () => void | Promise<void>
}

export interface SsmServer {
  readonly url: string
  readonly calls: readonly SsmCall[]
  callCount(target?: string): number
  setParameter(name: string, value: string, type?: ParameterType): void
  deleteParameter(name: string): void
  setFault(fault: SsmFault | undefined): void
  close(): Promise<void>
}

export function startSsmServer(options?: SsmServerOptions): Promise<SsmServer>
