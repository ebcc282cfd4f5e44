import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createRinggDispatcher } from '../common/ringg-client.js';
import { SDK_CONNECTION_TIMEOUT_MS, SDK_MAX_ATTEMPTS, SDK_REQUEST_TIMEOUT_MS } from './adapters/aws-call.js';
import { allowedSecretsPath, loadAllowedSecrets } from './allowed-secrets.js';
import { loadConfig } from './config.js';
import { createRotationDeps } from './deps.js';
import { Logger } from './logger.js';
import { createRotationHandler } from './rotation.js';

// Built once per container: a bad configuration fails the cold start, and every invocation shares
// the SDK clients and Ringg's connection pool.
const config = loadConfig(process.env);
const allowedSecretsFile = allowedSecretsPath(process.env);
const sdkOptions = {
  maxAttempts: SDK_MAX_ATTEMPTS,
  requestHandler: { connectionTimeout: SDK_CONNECTION_TIMEOUT_MS, requestTimeout: SDK_REQUEST_TIMEOUT_MS },
};

export const handler = createRotationHandler(
  createRotationDeps(
    config,
    {
      secretsManager: new SecretsManagerClient(sdkOptions),
      ssm: new SSMClient(sdkOptions),
      ringgDispatcher: createRinggDispatcher(config),
    },
    new Logger(),
    { allowedSecrets: () => loadAllowedSecrets(allowedSecretsFile) },
  ),
);
