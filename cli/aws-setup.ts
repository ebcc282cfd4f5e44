import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { REJECTED_CREDENTIAL_ERRORS } from '../common/aws-errors.js';
import type { CliContext } from './context.js';

/** Why the CLI cannot work with AWS as configured, and what to do: no command ran, nothing changed. */
export interface ConfigurationProblem {
  readonly code:
    | 'invalid-environment'
    | 'no-region'
    | 'invalid-region'
    | 'no-credentials'
    | 'invalid-credentials'
    | 'access-denied'
    | 'unknown-secret'
    | 'aws-unreachable';
  readonly message: string;
  readonly hint: string;
}

const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']);

/**
 * Checks, before a command runs, that the CLI can reach the secret: a region, credentials, and a
 * secret of that id that these credentials may describe. Returns the first problem, or undefined.
 */
export async function checkAwsSetup(
  ctx: CliContext,
  secretId: string | undefined,
): Promise<ConfigurationProblem | undefined> {
  try {
    await ctx.sm.config.region();
    await ctx.sm.config.credentials();
    if (secretId !== undefined) await ctx.sm.send(new DescribeSecretCommand({ SecretId: secretId }));
    return undefined;
  } catch (error) {
    const problem = await configurationProblem(error, ctx, secretId);
    if (problem) return problem;
    throw error;
  }
}

/** The configuration problem an AWS SDK error stands for, if it stands for one. */
export async function configurationProblem(
  error: unknown,
  ctx: CliContext,
  /** The one secret the command is about; undefined for several, whose own problems are theirs to report. */
  secretId: string | undefined,
): Promise<ConfigurationProblem | undefined> {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (/Region not accepted|not a valid hostname component/i.test(message)) {
    return {
      code: 'invalid-region',
      message: `The AWS region is not valid: ${message}`,
      hint: `Give a Region code such as eu-west-1 with --region, or fix ${ctx.aws.regionFrom === 'profile' ? `the region of profile ${profileName(ctx)} (~/.aws/config)` : ctx.aws.regionFrom}.`,
    };
  }
  if (/Region is missing/i.test(message)) {
    return {
      code: 'no-region',
      message: `No AWS region is set (no --region, AWS_REGION or AWS_DEFAULT_REGION, and profile ${profileName(ctx)} has none).`,
      hint: 'Give the region of the secret with --region (e.g. --region eu-west-1), or set AWS_REGION, or a region in the AWS profile (--profile or AWS_PROFILE).',
    };
  }
  if (name === 'CredentialsProviderError') {
    const profile = ctx.aws.profile;
    return {
      code: 'no-credentials',
      message: `No AWS credentials were found${profile ? ` for profile ${profileName(ctx)}` : ''} (${message}).`,
      hint: profile
        ? `Check that profile "${profile}" is in ~/.aws/config or ~/.aws/credentials (aws configure list-profiles) and sign in to it (e.g. aws sso login --profile ${profile}).`
        : 'Sign in (e.g. aws sso login, then --profile <name> or AWS_PROFILE), or in CI assume the stack’s CI role (CiRoleArn) through OIDC.',
    };
  }
  if (REJECTED_CREDENTIAL_ERRORS.has(name)) {
    return {
      code: 'invalid-credentials',
      message: `AWS rejected the credentials: ${name}: ${message}`,
      hint: 'Refresh them (e.g. aws sso login) or check --profile / AWS_PROFILE and AWS_ACCESS_KEY_ID, then run the command again.',
    };
  }
  const region = await ctx.sm.config.region().catch(() => 'the configured region');
  if (secretId === undefined) return undefined;
  if (name === 'ResourceNotFoundException') {
    return {
      code: 'unknown-secret',
      message: `Secrets Manager has no secret "${secretId}" in ${region} of this account.`,
      hint: 'Check --secret-id (name or ARN), the region (--region, AWS_REGION), and that the credentials (--profile, AWS_PROFILE) are for the secret’s account.',
    };
  }
  if (name === 'AccessDeniedException') {
    return {
      code: 'access-denied',
      message: `These credentials may not use secret "${secretId}" in ${region}: ${message}`,
      hint: 'rotate and status need DescribeSecret, RotateSecret and ListSecretVersionIds (the stack’s CI role has them); resume also needs lambda:InvokeFunction on the rotation function (the CI role has it too); recover also needs GetSecretValue and PutSecretValue (operator credentials).',
    };
  }
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return {
      code: 'aws-unreachable',
      message: `Secrets Manager could not be reached (${code}).`,
      hint: 'Check the network and proxy, and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SECRETS_MANAGER if set.',
    };
  }
  return undefined;
}

function profileName(ctx: CliContext): string {
  return ctx.aws.profile === undefined ? '"default"' : `"${ctx.aws.profile}" (${ctx.aws.profileFrom})`;
}
