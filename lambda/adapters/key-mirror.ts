import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { MIRROR_FAILED_MESSAGE } from '../../common/log-messages.js';
import { mirrorParameterName } from '../../common/parameter-names.js';
import { errorName } from '../errors.js';
import type { Logger } from '../logger.js';
import { callWithin } from './aws-call.js';

export interface KeyMirror {
  /** Best effort: a failure is logged with MIRROR_FAILED_MESSAGE and never thrown. */
  write(secretName: string, key: string, timeoutMs: number): Promise<boolean>;
}

/** Copies a proven key to a SecureString for services that read Parameter Store. */
export class SsmKeyMirror implements KeyMirror {
  constructor(
    private readonly client: SSMClient,
    private readonly prefix: string,
    private readonly kmsKeyId: string | undefined,
    private readonly log: Logger,
  ) {}

  async write(secretName: string, key: string, timeoutMs: number): Promise<boolean> {
    const parameter = mirrorParameterName(this.prefix, secretName);
    try {
      await callWithin('SSM PutParameter (mirror)', timeoutMs, (abortSignal) =>
        this.client.send(
          new PutParameterCommand({
            Name: parameter,
            Value: key,
            Type: 'SecureString',
            Overwrite: true,
            Description: 'Ringg API key mirrored from Secrets Manager by the key rotation',
            ...(this.kmsKeyId ? { KeyId: this.kmsKeyId } : {}),
          }),
          { abortSignal },
        ),
      );
      return true;
    } catch (error) {
      this.log.warn(MIRROR_FAILED_MESSAGE, { parameter, error: errorName(error) });
      return false;
    }
  }
}
