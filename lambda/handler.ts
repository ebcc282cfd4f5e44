import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createRinggDispatcher } from '../common/ringg-client.js';
import { allowedSecretsPath, loadAllowedSecrets } from './allowed-secrets.js';
import { SDK_CONNECTION_TIMEOUT_MS, SDK_MAX_ATTEMPTS, SDK_REQUEST_TIMEOUT_MS } from './aws-call.js';
import { loadConfig } from './config.js';
import { Logger } from './logger.js';
import { createRotationHandler } from './rotation.js';
import { createRotationDeps } from './rotation-deps.js';

// Built once per container: a bad configuration fails the cold start, and every invocation shares
// the SDK clients and Ringg's connection pool. Each SDK attempt has its own timeouts; every call as a
// whole, retries included, is bounded by the step's deadline (aws-call.ts).
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
