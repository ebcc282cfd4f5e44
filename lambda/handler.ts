import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig } from './config.js';
import { Logger } from './logger.js';
import { createRinggDispatcher } from './ringg-client.js';
import { createRotationHandler } from './rotation.js';
import { createRotationDeps } from './rotation-deps.js';

// Built once per container: a bad configuration fails the cold start, and every invocation shares
// the SDK clients and Ringg's connection pool.
const config = loadConfig(process.env);

export const handler = createRotationHandler(
  createRotationDeps(
    config,
    {
      secretsManager: new SecretsManagerClient({}),
      ssm: new SSMClient({}),
      ringgDispatcher: createRinggDispatcher(config),
    },
    new Logger(),
  ),
);
