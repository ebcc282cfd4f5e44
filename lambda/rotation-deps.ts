import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Dispatcher } from 'undici';
import { RinggClient } from '../common/ringg-client.js';
import { loadAllowedSecrets } from './allowed-secrets.js';
import type { RotationConfig } from './config.js';
import { sleep } from './deadline.js';
import { SsmIntentStore } from './intent-store.js';
import { SsmJournalStore } from './journal.js';
import { SsmKeyMirror } from './key-mirror.js';
import type { Logger } from './logger.js';
import { SsmRescueStore } from './rescue-store.js';
import { AwsSecretsStore } from './secrets-store.js';
import type { RotationDeps } from './step-context.js';

export interface RotationClients {
  readonly secretsManager: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly ringgDispatcher: Dispatcher;
}

/**
 * The adapters the steps use, over the given clients; `overrides` give the list of allowed secrets,
 * and replace the clock and friends in tests.
 */
export function createRotationDeps(
  config: RotationConfig,
  clients: RotationClients,
  log: Logger,
  overrides: Partial<Pick<RotationDeps, 'sleep' | 'now' | 'random' | 'allowedSecrets'>> = {},
): RotationDeps {
  const now = overrides.now ?? Date.now;
  return {
    config,
    secrets: new AwsSecretsStore(clients.secretsManager),
    ringg: new RinggClient(config.ringgBaseUrl, clients.ringgDispatcher, now),
    journal: new SsmJournalStore(clients.ssm, log),
    rescue: new SsmRescueStore(clients.ssm, config.parameterKmsKeyId),
    intents: new SsmIntentStore(clients.ssm),
    mirror: config.mirrorPrefix
      ? new SsmKeyMirror(clients.ssm, config.mirrorPrefix, config.mirrorKmsKeyId, log)
      : undefined,
    log,
    // Without a list, every secret is refused.
    allowedSecrets: overrides.allowedSecrets ?? (() => loadAllowedSecrets(undefined)),
    sleep: overrides.sleep ?? sleep,
    now,
    random: overrides.random ?? Math.random,
  };
}
