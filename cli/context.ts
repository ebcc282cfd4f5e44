import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Dispatcher } from 'undici';
import { createRinggDispatcher, RinggClient } from '../common/ringg-client.js';
import { loadConfig, type RotationConfig } from '../lambda/config.js';
import type { CliIo } from './io.js';

/** The clients a command uses, built once from the same environment the function reads. */
export interface CliContext {
  readonly io: CliIo;
  readonly config: RotationConfig;
  readonly sm: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly ringg: RinggClient;
  close(): Promise<void>;
}

export function createCliContext(io: CliIo): CliContext {
  const config = loadConfig(io.env);
  const dispatcher: Dispatcher = createRinggDispatcher(config);
  const sm = new SecretsManagerClient({});
  const ssm = new SSMClient({});
  return {
    io,
    config,
    sm,
    ssm,
    ringg: new RinggClient(config.ringgBaseUrl, dispatcher),
    async close() {
      sm.destroy();
      ssm.destroy();
      await dispatcher.close();
    },
  };
}
