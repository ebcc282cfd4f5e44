import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Dispatcher } from 'undici';
import { sleep } from '../common/backoff.js';
import { RinggClient } from '../common/ringg-client.js';
import { SsmKeyMirror } from './adapters/key-mirror.js';
import { RecordStore } from './adapters/record-store.js';
import { SecretsStore } from './adapters/secrets-store.js';
import { loadAllowedSecrets } from './allowed-secrets.js';
import type { RotationConfig } from './config.js';
import type { Logger } from './logger.js';
import type { RotationDeps } from './rotation.js';

export interface RotationClients {
  readonly secretsManager: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly ringgDispatcher: Dispatcher;
}

/**
 * The adapters the rotation uses, over the given clients; `overrides` give the list of allowed secrets,
 * and replace the clock and friends in tests.
 */
export function createRotationDeps(
  config: RotationConfig,
  clients: RotationClients,
  log: Logger,
  overrides: Partial<Pick<RotationDeps, 'sleep' | 'now' | 'random' | 'allowedSecrets'>> = {},
): RotationDeps {
  const now = overrides.now ?? Date.now;
  const env = { sleep: overrides.sleep ?? sleep, random: overrides.random ?? Math.random, now };
  return {
    config,
    secrets: new SecretsStore(clients.secretsManager, env),
    records: new RecordStore(clients.ssm, config.parameterKmsKeyId, env),
    ringg: new RinggClient(config.ringgBaseUrl, clients.ringgDispatcher, now),
    mirror: config.mirrorPrefix
      ? new SsmKeyMirror(clients.ssm, config.mirrorPrefix, config.mirrorKmsKeyId, log)
      : undefined,
    log,
    // Without a list, every secret is refused.
    allowedSecrets: overrides.allowedSecrets ?? (() => loadAllowedSecrets(undefined)),
    ...env,
  };
}
