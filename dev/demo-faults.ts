import type { LocalEnvironment } from './local-environment.js';
import { AwsServiceError } from './secrets-manager-model.js';

/** A fault the demo (and the end-to-end tests) can switch on, with what the rotation must then do. */
export interface DemoFault {
  readonly summary: string;
  /** Environment for the function, e.g. shorter Ringg timeouts. */
  readonly env?: Record<string, string>;
  readonly setup: (env: LocalEnvironment, workspaceId: string) => void;
  /** `rotated`, or the error code the rotation must stop with. */
  readonly expect: 'rotated' | string;
  /** Regenerates Ringg must have seen. */
  readonly regenerations: number;
  /** For a rotation that succeeds: the step that moved AWSCURRENT. @default 'setSecret' */
  readonly promotedIn?: 'setSecret' | 'finishSecret';
}

export const DEMO_FAULTS: Record<string, DemoFault> = {
  'ringg-500': {
    summary:
      'Ringg answers the regenerate with 500 without regenerating; the function checks the old key, then retries',
    setup: (env) => env.ringg.inject('regenerate-500-before'),
    expect: 'rotated',
    regenerations: 1,
  },
  'lost-response': {
    summary: 'Ringg regenerates but its answer is a 500: the only copy of the new key is lost',
    setup: (env) => env.ringg.inject('regenerate-500-after'),
    expect: 'new-key-lost',
    regenerations: 1,
  },
  'connection-reset': {
    summary: 'Ringg regenerates, then the connection drops before the answer arrives',
    setup: (env) => env.ringg.inject('regenerate-reset-after'),
    expect: 'new-key-lost',
    regenerations: 1,
  },
  'rate-limited': {
    summary: 'Ringg answers the regenerate with 429 and Retry-After: 1',
    setup: (env) => env.ringg.inject('regenerate-429'),
    expect: 'rotated',
    regenerations: 1,
  },
  forbidden: {
    summary: 'The key may not manage API keys (403)',
    setup: (env) => env.ringg.inject('regenerate-403', 10),
    expect: 'permission-denied',
    regenerations: 0,
  },
  'dead-key': {
    summary: 'Someone regenerated the key in the Ringg dashboard; AWSCURRENT is already dead',
    setup: (env, workspaceId) => env.ringg.regenerateInDashboard(workspaceId),
    expect: 'current-key-rejected',
    regenerations: 0,
  },
  'slow-new-key': {
    summary: 'A fresh key takes 1.5 s to become valid at Ringg',
    setup: (env) => {
      env.ringg.newKeyDelayMs = 1_500;
    },
    expect: 'rotated',
    regenerations: 1,
  },
  'slow-secrets-manager': {
    summary: 'Every Secrets Manager call takes 300 ms',
    setup: (env) => {
      for (const operation of [
        'DescribeSecret',
        'GetSecretValue',
        'PutSecretValue',
        'UpdateSecretVersionStage',
      ] as const) {
        env.aws.secretsManager.injectFault({ operation, times: 1_000, delayMs: 300 });
      }
    },
    expect: 'rotated',
    regenerations: 1,
  },
  'secrets-manager-down': {
    summary:
      'Secrets Manager refuses the new key for a whole invocation (KMS EncryptionFailure); the key waits in SSM for the next attempt',
    // One invocation's write: the function stops at the first KMS refusal (a retry cannot help) and
    // rescues the key; a 400 the SDK does not retry itself.
    setup: (env) =>
      env.aws.secretsManager.injectFault({
        operation: 'PutSecretValue',
        times: 1,
        error: new AwsServiceError(
          'EncryptionFailure',
          "Secrets Manager can't encrypt the protected secret text using the provided KMS key.",
        ),
      }),
    expect: 'rotated',
    regenerations: 1,
  },
  'promotion-fails': {
    summary:
      'Secrets Manager refuses to move AWSCURRENT in setSecret; the new key stays AWSPENDING and finishSecret promotes it',
    // One setSecret move refused with an error no retry can fix (a 5xx would be retried inside the step).
    setup: (env) =>
      env.aws.secretsManager.injectFault({
        operation: 'UpdateSecretVersionStage',
        times: 1,
        error: new AwsServiceError('InvalidRequestException', 'Injected refusal of the stage move', 400),
      }),
    expect: 'rotated',
    regenerations: 1,
    promotedIn: 'finishSecret',
  },
  'ringg-hang': {
    summary: 'Ringg accepts connections and never answers (Ringg timeouts set to 300 ms for the demo)',
    env: { RINGG_HEADERS_TIMEOUT_MS: '300', RINGG_BODY_TIMEOUT_MS: '300' },
    setup: (env) => env.ringg.inject('hang', 1_000),
    expect: 'ringg-unavailable',
    regenerations: 0,
  },
};
