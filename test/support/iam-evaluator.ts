// An IAM policy evaluator for execute-api ARNs, written apart from lib/ so that tests can check the authorizer's policies.
// As API Gateway evaluates a Lambda authorizer's policy: an explicit Deny wins, then any Allow, else an implicit deny.
// Resource wildcards: `*` any run of characters (slashes included), `?` exactly one; case-sensitive, whole ARN.

export type IamAnswer = 'allow' | 'explicit-deny' | 'implicit-deny'

interface Statement {
  readonly Effect: string
  readonly Action: string | readonly string[]
  readonly Resource: string | readonly string[]
}

export interface PolicyDocument {
  readonly Statement: readonly Statement[]
}

const regexCache = new Map<string, RegExp>()

/** The resource pattern as an anchored regular expression (every other character literal). */
function patternRegex(pattern: string): RegExp {
  let regex = regexCache.get(pattern)
  if (regex === undefined) {
    const body = [...pattern].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('')
    regex = new RegExp(`^${body}$`)
    regexCache.set(pattern, regex)
  }
  return regex
}

const list = (value: string | readonly string[]): readonly string[] => (typeof value === 'string' ? [value] : value)

const invokes = (statement: Statement) => list(statement.Action).some((action) => action === 'execute-api:Invoke' || action === 'execute-api:*' || action === '*')

function matches(statement: Statement, arn: string): boolean {
  return invokes(statement) && list(statement.Resource).some((resource) => patternRegex(resource).test(arn))
}

export function evaluatePolicy(policy: PolicyDocument, arn: string): IamAnswer {
  if (policy.Statement.some((s) => s.Effect === 'Deny' && matches(s, arn))) return 'explicit-deny'
  if (policy.Statement.some((s) => s.Effect === 'Allow' && matches(s, arn))) return 'allow'
  return 'implicit-deny'
}

/** The policy document of an authorizer result, or a failure naming what came back instead. */
export function policyOf(result: unknown): PolicyDocument {
  const document = (result as { policyDocument?: PolicyDocument } | undefined)?.policyDocument
  if (document === undefined || !Array.isArray(document.Statement)) throw new Error(`not an IAM result: ${JSON.stringify(result)}`)
  return document
}
