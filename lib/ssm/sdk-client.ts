// The SSM GetParameters call through @aws-sdk/client-ssm. This module is itself imported lazily (settings-source.ts), so
// environment-only deployments never load the SDK; its static import lets esbuild drop the SDK's unused commands.
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'

/** One attempt: the values of the named parameters that exist (decrypted). */
export type ParameterReader = (names: readonly string[], timeoutMs: number) => Promise<Map<string, string>>

export async function createSdkReader(budgetMs: number): Promise<ParameterReader> {
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
