import { KmsKeys, SSM_DEFAULT_KEY } from './kms-keys.js';
import { AwsServiceError } from './secrets-manager-model.js';
import type { RateLimit } from './throttle.js';

export type SsmOperation = 'GetParameter' | 'PutParameter' | 'DeleteParameter' | 'GetParametersByPath';

export interface SsmFault {
  readonly operation: SsmOperation;
  times: number;
  /** Only parameters whose name contains this; every parameter when absent. */
  readonly nameContains?: string;
  /** Never answer (a hung connection), instead of failing. */
  readonly hang?: boolean;
  /** Matching calls let through before the fault applies. */
  skip?: number;
  /** The error to answer with; an InternalServerError (500) when absent. */
  readonly error?: AwsServiceError;
}

interface Parameter {
  value: string;
  type: 'String' | 'SecureString' | 'StringList';
  version: number;
  keyId: string | undefined;
  lastModified: number;
}

/** An in-memory Parameter Store, for the unit tests (behind aws-sdk-client-mock) and the local stand-in. */
export class SsmModel {
  readonly parameters = new Map<string, Parameter>();
  private readonly faults: SsmFault[] = [];
  readonly calls: Record<string, number> = {};
  /**
   * When set, reads (GetParameter, GetParametersByPath) over this rate fail with ThrottlingException,
   * as Parameter Store's throughput quota does (40 TPS by default, shared by the reads).
   */
  throttle: RateLimit | undefined;
  /**
   * Whether `throttle` also counts PutParameter: the API reference says Parameter Store throughput
   * "applies to GetParameter, GetParameters, and PutParameter API calls". Off by default (reads only).
   */
  throttleWrites = false;
  /** Which KMS keys refuse; AwsStandIn shares one instance with its Secrets Manager. */
  kms = new KmsKeys();

  constructor(private readonly now: () => number = Date.now) {}

  injectFault(fault: SsmFault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Counts the call and applies a pending fault; the wire and mock adapters call this first. */
  async enter(operation: SsmOperation, name: string): Promise<void> {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    const throttled = operation.startsWith('Get') || (this.throttleWrites && operation === 'PutParameter');
    if (this.throttle && throttled && !this.throttle.take()) {
      throw new AwsServiceError('ThrottlingException', 'Rate exceeded', 400);
    }
    const fault = this.faults.find(
      (f) =>
        f.operation === operation &&
        f.times > 0 &&
        (f.nameContains === undefined || name.includes(f.nameContains)),
    );
    if (!fault) return;
    if (fault.skip) {
      fault.skip--;
      return;
    }
    fault.times--;
    if (fault.hang) await new Promise<never>(() => {});
    throw fault.error ?? new AwsServiceError('InternalServerError', 'Injected failure', 500);
  }

  getParameter(input: { Name: string; WithDecryption?: boolean }) {
    const parameter = this.parameters.get(input.Name);
    if (!parameter) throw new AwsServiceError('ParameterNotFound', '');
    const keyId = parameter.keyId ?? SSM_DEFAULT_KEY;
    if (parameter.type === 'SecureString' && input.WithDecryption && this.kms.refusesDecrypt(keyId)) {
      // Parameter Store passes KMS's refusal on, naming the service behind it.
      throw new AwsServiceError(
        'InvalidKeyId',
        `${keyId} is disabled. (Service: AWSKMS; Status Code: 400; Error Code: DisabledException)`,
      );
    }
    return {
      Parameter: {
        Name: input.Name,
        Type: parameter.type,
        Value: parameter.type === 'SecureString' && !input.WithDecryption ? 'ENCRYPTED' : parameter.value,
        Version: parameter.version,
        LastModifiedDate: new Date(parameter.lastModified),
      },
    };
  }

  putParameter(input: {
    Name: string;
    Value: string;
    Type?: string;
    Overwrite?: boolean;
    KeyId?: string;
    Tier?: string;
  }) {
    const existing = this.parameters.get(input.Name);
    if (existing && !input.Overwrite) {
      throw new AwsServiceError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    if (input.Tier !== undefined && input.Tier !== 'Standard') {
      throw new AwsServiceError('ValidationException', 'The stand-in models the Standard tier only.');
    }
    if (input.Value.length > 4096) {
      throw new AwsServiceError(
        'ValidationException',
        'Standard tier parameters support a maximum parameter value of 4096 characters.',
      );
    }
    const type = (input.Type ?? existing?.type ?? 'String') as Parameter['type'];
    const keyId = input.KeyId ?? SSM_DEFAULT_KEY;
    const refusal = type === 'SecureString' ? this.kms.refusal(keyId) : undefined;
    if (refusal === 'disabled') {
      throw new AwsServiceError(
        'InvalidKeyId',
        `${keyId} is disabled. (Service: AWSKMS; Status Code: 400; Error Code: DisabledException)`,
      );
    }
    if (refusal === 'encrypt-denied') {
      throw new AwsServiceError(
        'AccessDeniedException',
        `The caller is not authorized to perform kms:Encrypt on ${keyId}. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)`,
      );
    }
    const version = (existing?.version ?? 0) + 1;
    this.parameters.set(input.Name, {
      value: input.Value,
      type,
      version,
      keyId: input.KeyId,
      lastModified: this.now(),
    });
    return { Version: version, Tier: 'Standard' };
  }

  deleteParameter(input: { Name: string }) {
    if (!this.parameters.delete(input.Name)) throw new AwsServiceError('ParameterNotFound', '');
    return {};
  }

  getParametersByPath(input: { Path: string; Recursive?: boolean; WithDecryption?: boolean }) {
    const prefix = input.Path.endsWith('/') ? input.Path : `${input.Path}/`;
    const names = [...this.parameters.keys()].filter(
      (name) => name.startsWith(prefix) && (input.Recursive || !name.slice(prefix.length).includes('/')),
    );
    return {
      Parameters: names.map(
        (name) => this.getParameter({ Name: name, WithDecryption: input.WithDecryption }).Parameter,
      ),
    };
  }
}
