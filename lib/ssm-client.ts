// The SSM GetParameters call through @aws-sdk/client-ssm, imported lazily so environment-only deployments never load the SDK.

/** One attempt: the values of the named parameters that exist (decrypted). */
export type ParameterReader = (names: readonly string[], timeoutMs: number) => Promise<Map<string, string>>

export async function createSdkReader(budgetMs: number): Promise<ParameterReader> {
  const { SSMClient, GetParametersCommand } = await import('@aws-sdk/client-ssm')
  const client = new SSMClient({
    // Retries are ours (full jitter, within one deadline, throttling and 5xx only); SDK retries would multiply quota use.
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only warns and keeps waiting on a hung connection.
    requestHandler: { requestTimeout: budgetMs, connectionTimeout: budgetMs, throwOnRequestTimeout: true },
  })
  return async (names, timeoutMs) => {
    const output = await client.send(new GetParametersCommand({ Names: [...names], WithDecryption: true }), {
      abortSignal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    })
    const values = new Map<string, string>()
    for (const parameter of output.Parameters ?? []) {
      if (parameter.Name !== undefined && parameter.Value !== undefined) values.set(parameter.Name, parameter.Value)
    }
    return values
  }
}
