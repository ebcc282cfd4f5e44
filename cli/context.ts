import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Dispatcher } from 'undici';
import { createRinggDispatcher, RinggClient } from '../common/ringg-client.js';
import { loadConfig, type RotationConfig } from '../lambda/config.js';
import { type AwsSettings, sdkClientConfig } from './aws-options.js';
import { RunningInAws } from './interrupt.js';
import type { CliIo } from './io.js';

type LambdaClient = import('@aws-sdk/client-lambda').LambdaClient;

/** The clients a command uses, built once from the same environment the function reads. */
export interface CliContext {
  readonly io: CliIo;
  readonly config: RotationConfig;
  readonly aws: AwsSettings;
  readonly sm: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly ringg: RinggClient;
  /** The Lambda client, loaded on first use (only `resume` invokes the function). */
  lambda(): Promise<LambdaClient>;
  /** What this run started in AWS and has not seen end; an interrupt lists it. */
  readonly running: RunningInAws;
  /** Closes the clients; `abort` drops requests still in flight instead of waiting for them. */
  close(options?: { abort?: boolean }): Promise<void>;
}

export function createCliContext(io: CliIo, aws: AwsSettings): CliContext {
  const config = loadConfig(io.env);
  const dispatcher: Dispatcher = createRinggDispatcher(config);
  const clientConfig = { ...sdkClientConfig(aws), logger: sdkLogger(io, aws) };
  const sm = new SecretsManagerClient(clientConfig);
  const ssm = new SSMClient(clientConfig);
  let lambda: Promise<LambdaClient> | undefined;
  return {
    io,
    config,
    aws,
    sm,
    ssm,
    ringg: new RinggClient(config.ringgBaseUrl, dispatcher),
    lambda() {
      lambda ??= import('@aws-sdk/client-lambda').then((m) => new m.LambdaClient(clientConfig));
      return lambda;
    },
    running: new RunningInAws(),
    async close(options = {}) {
      sm.destroy();
      ssm.destroy();
      (await lambda?.catch(() => undefined))?.destroy();
      if (options.abort) await dispatcher.destroy();
      else await dispatcher.close();
    },
  };
}

/**
 * The SDK clients' logger: warnings on stderr, nothing else (the CLI reports failures itself). With
 * --profile on the command line, the profile wins over credentials in the environment, as with the
 * AWS CLI, without the SDK's warning that both are set.
 */
function sdkLogger(io: CliIo, aws: AwsSettings) {
  const quiet = () => {};
  return {
    trace: quiet,
    debug: quiet,
    info: quiet,
    error: quiet,
    warn: (...content: unknown[]) => {
      const text = content.map(String).join(' ').trim();
      if (aws.profileFrom === '--profile' && text.includes('Multiple credential sources detected')) return;
      io.stderr.write(`AWS SDK warning: ${text}\n`);
    },
  };
}
