import * as SM from '@aws-sdk/client-secrets-manager';
import * as SSM from '@aws-sdk/client-ssm';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';

type ExceptionClass = new (opts: { message: string; $metadata: object }) => Error;

function lookup(module: Record<string, unknown>, base: ExceptionClass, error: AwsServiceError): Error {
  const Known = module[error.type];
  if (typeof Known === 'function')
    return new (Known as ExceptionClass)({ message: error.message, $metadata: {} });
  const generic = new base({ message: error.message, $metadata: {} });
  Object.defineProperty(generic, 'name', { value: error.type });
  return generic;
}

/** Runs a model operation and turns its AwsServiceError into the SDK's own exception class. */
export async function asSdkCall<T>(client: 'sm' | 'ssm', call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof AwsServiceError)) throw error;
    throw client === 'sm'
      ? lookup(
          SM as Record<string, unknown>,
          SM.SecretsManagerServiceException as unknown as ExceptionClass,
          error,
        )
      : lookup(SSM as Record<string, unknown>, SSM.SSMServiceException as unknown as ExceptionClass, error);
  }
}
