// The test IAM evaluator itself: explicit Deny wins, wildcards as API Gateway reads them, nothing else matches.
import { describe, expect, it } from 'vitest'
import { evaluatePolicy } from './iam-evaluator.js'

const STAGE = 'arn:aws:execute-api:us-east-1:123456789012:abc/prod'
const policy = (allow: string[], deny: string[] = []) => ({
  Statement: [
    ...(allow.length > 0 ? [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: allow }] : []),
    ...(deny.length > 0 ? [{ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: deny }] : []),
  ],
})

describe('evaluatePolicy', () => {
  it('lets an explicit Deny win over a matching Allow', () => {
    expect(evaluatePolicy(policy([`${STAGE}/*/*`], [`${STAGE}/GET/secret`]), `${STAGE}/GET/secret`)).toBe('explicit-deny')
    expect(evaluatePolicy(policy([`${STAGE}/*/*`], [`${STAGE}/GET/secret`]), `${STAGE}/GET/public`)).toBe('allow')
  })

  it('denies implicitly what no statement names', () => {
    expect(evaluatePolicy(policy([`${STAGE}/GET/a`]), `${STAGE}/GET/b`)).toBe('implicit-deny')
    expect(evaluatePolicy({ Statement: [] }, `${STAGE}/GET/b`)).toBe('implicit-deny')
  })

  it('reads * as any run of characters, slashes included, and ? as exactly one', () => {
    expect(evaluatePolicy(policy([`${STAGE}/*/orders`]), `${STAGE}/GET/x/y/orders`)).toBe('allow')
    expect(evaluatePolicy(policy([`${STAGE}/GET/v?`]), `${STAGE}/GET/v1`)).toBe('allow')
    expect(evaluatePolicy(policy([`${STAGE}/GET/v?`]), `${STAGE}/GET/v`)).toBe('implicit-deny')
    expect(evaluatePolicy(policy([`${STAGE}/GET/v?`]), `${STAGE}/GET/v12`)).toBe('implicit-deny')
  })

  it('matches the whole ARN, case-sensitively, with regex characters taken literally', () => {
    expect(evaluatePolicy(policy([`${STAGE}/GET/a.b`]), `${STAGE}/GET/aXb`)).toBe('implicit-deny')
    expect(evaluatePolicy(policy([`${STAGE}/GET/a`]), `${STAGE}/GET/a/b`)).toBe('implicit-deny')
    expect(evaluatePolicy(policy([`${STAGE}/GET/Load`]), `${STAGE}/GET/load`)).toBe('implicit-deny')
    expect(evaluatePolicy(policy([`${STAGE}/GET/$x`]), `${STAGE}/GET/$x`)).toBe('allow')
  })

  it('ignores statements for other actions', () => {
    const other = { Statement: [{ Effect: 'Allow', Action: 'execute-api:ManageConnections', Resource: `${STAGE}/*` }] }
    expect(evaluatePolicy(other, `${STAGE}/GET/a`)).toBe('implicit-deny')
  })
})
