import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig } from './config';
import { sleep } from './deadline';
import { SsmJournalStore } from './journal';
import { Logger } from './logger';
import { SsmRescueStore } from './rescue-store';
import { createRinggDispatcher, RinggClient } from './ringg-client';
import { createRotationHandler } from './rotation';
import { AwsSecretsStore } from './secrets-store';

// Built once per container: a bad configuration fails the cold start, and every invocation shares
// the SDK clients and Ringg's connection pool.
const config = loadConfig(process.env);
const log = new Logger();
const ssm = new SSMClient({});

export const handler = createRotationHandler({
  config,
  secrets: new AwsSecretsStore(new SecretsManagerClient({})),
  ringg: new RinggClient(config.ringgBaseUrl, createRinggDispatcher(config)),
  journal: new SsmJournalStore(ssm, log),
  rescue: new SsmRescueStore(ssm, config.parameterKmsKeyId),
  log,
  sleep,
  now: Date.now,
  random: Math.random,
});
