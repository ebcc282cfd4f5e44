import { Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  levelsOf,
  mirrorParameterName,
  parameterNames,
  parameterNamesProblem,
  SSM_MAX_HIERARCHY_LEVELS,
  SSM_STANDARD_PARAMETERS_PER_REGION,
  standingParameterCount,
} from '../common/parameter-names.js';

/** One secret the construct rotates, as the template refers to it. */
export interface RotatedSecret {
  /**
   * What identifies the secret across deployments: its name, or its complete ARN. Decides the schedule's
   * logical id and the stack it lives in, so adding or removing another secret never moves it.
   */
  readonly key: string;
  /** The schedule's `SecretId`: the complete ARN when known, else the name, never a shortened one. */
  readonly secretId: string;
  /** The name as written (without the random suffix), when it is not a token. */
  readonly name: string | undefined;
  /** The complete ARN, when the secret was imported with one. */
  readonly completeArn: string | undefined;
  readonly encryptionKey: kms.IKey | undefined;
}

/** The secrets the construct can rotate, and why the others (or the list) cannot be. */
export interface ReadSecrets {
  readonly secrets: RotatedSecret[];
  /** Each input secret that could be read, as it is rotated (a duplicate maps to its first entry). */
  readonly bySecret: Map<secretsmanager.ISecret, RotatedSecret>;
  /** One sentence each; a secret that cannot be read, or repeats another, is left out of `secrets`. */
  readonly problems: string[];
}

/**
 * Reads each imported secret without aws-cdk-lib's suffix stripping: `Secret.fromSecretAttributes` with
 * a partial ARN turns `ringg/team-alpha1` into the name `ringg/team`, because `-alpha1` looks like the
 * random suffix. The name is taken from the ARN the secret was imported with instead. Refuses
 * duplicates (left out) and secrets of another account or Region.
 */
export function readRotatedSecrets(
  secrets: readonly secretsmanager.ISecret[],
  stack: { account: string; region: string },
): ReadSecrets {
  const seen = new Map<string, number>();
  const read: RotatedSecret[] = [];
  const bySecret = new Map<secretsmanager.ISecret, RotatedSecret>();
  const problems: string[] = [];
  secrets.forEach((secret, index) => {
    const rotated = readOne(secret, index);
    if (typeof rotated === 'string') {
      problems.push(rotated);
      return;
    }
    const other = seen.get(rotated.key);
    if (other !== undefined) {
      problems.push(
        `secrets[${index}] and secrets[${other}] are the same secret (${rotated.key}): list each secret once.`,
      );
      return;
    }
    seen.set(rotated.key, index);
    if (rotated.completeArn && !Token.isUnresolved(rotated.completeArn)) {
      const [, , , region, account] = rotated.completeArn.split(':');
      for (const [what, theirs, ours] of [
        ['account', account, stack.account],
        ['Region', region, stack.region],
      ] as const) {
        if (!Token.isUnresolved(ours) && theirs !== ours) {
          problems.push(
            `secrets[${index}] (${rotated.completeArn}) is in ${what} ${theirs}, the stack in ${ours}: ` +
              'the function rotates secrets of its own account and Region only. Deploy one stack per account and Region.',
          );
        }
      }
    }
    read.push(rotated);
    bySecret.set(secret, rotated);
  });
  return { secrets: read, bySecret, problems };
}

/** The secret as the template refers to it, or why it cannot be rotated. */
function readOne(secret: secretsmanager.ISecret, index: number): RotatedSecret | string {
  const encryptionKey = secret.encryptionKey;
  const full = secret.secretFullArn;
  if (full !== undefined) {
    if (Token.isUnresolved(full)) {
      throw new Error(
        `secrets[${index}] has a complete ARN known only at deploy time: import it by name (Secret.fromSecretNameV2) ` +
          "or by a literal complete ARN. The function's list of the secrets it may rotate, and its IAM policy, are written at synth.",
      );
    }
    const name = nameInArn(full)?.slice(0, -7);
    return { key: full, secretId: full, name, completeArn: full, encryptionKey };
  }
  const name = nameInArn(secret.secretArn);
  if (name === undefined || Token.isUnresolved(name)) {
    return (
      `secrets[${index}] has no name or complete ARN known at synth time: import it with ` +
      'Secret.fromSecretNameV2, fromSecretCompleteArn or fromSecretAttributes.'
    );
  }
  if (!SECRET_NAME.test(name)) {
    return `secrets[${index}]: "${name}" is not a Secrets Manager secret name (1-512 characters of A-Z a-z 0-9 / _ + = . @ -).`;
  }
  return { key: name, secretId: name, name, completeArn: undefined, encryptionKey };
}

/**
 * Why, if at all, SSM could not hold the rotation records or mirror parameters of these
 * secrets (more than 15 levels, or more parameters than an account may hold), or two secrets would
 * share one: refused at synth instead of failing every rotation later. The prefixes themselves (an SSM
 * path each, not overlapping) are checked with the other props (props-validation.ts).
 */
export function parameterNameProblems(
  secrets: readonly RotatedSecret[],
  parameterPrefix: string,
  mirrorPrefix: string | undefined,
): string[] {
  const problems: string[] = [];
  // While every secret rotates at once (`ringg-rotate rotate --all`), each holds a record besides its mirror.
  const peak = standingParameterCount(secrets.length, mirrorPrefix !== undefined) + secrets.length;
  if (peak > SSM_STANDARD_PARAMETERS_PER_REGION) {
    problems.push(
      `${secrets.length} secrets keep ${peak} SSM parameters while they all rotate (${mirrorPrefix ? 'a mirror and ' : ''}a record each), more ` +
        `than the ${SSM_STANDARD_PARAMETERS_PER_REGION} Standard parameters an account may hold per Region. Split the ` +
        'secrets over accounts or Regions, or drop the mirror.',
    );
  }
  const owners = new Map<string, string>();
  for (const secret of secrets) {
    if (secret.name === undefined) continue;
    const problem = parameterNamesProblem(parameterPrefix, secret.name);
    if (problem) problems.push(`Secret "${secret.name}" cannot be rotated: ${problem} (parameterPrefix).`);
    const mirror = mirrorPrefix === undefined ? undefined : mirrorParameterName(mirrorPrefix, secret.name);
    if (mirror && levelsOf(mirror) > SSM_MAX_HIERARCHY_LEVELS) {
      problems.push(
        `Secret "${secret.name}" cannot be mirrored: ${mirror} would have ${levelsOf(mirror)} levels, and SSM ` +
          `Parameter Store allows ${SSM_MAX_HIERARCHY_LEVELS}. Use a shorter parameterStoreMirror.prefix.`,
      );
    }
    for (const parameter of [parameterNames(parameterPrefix, secret.name).recordPath, mirror]) {
      if (parameter === undefined) continue;
      const other = owners.get(parameter);
      if (other !== undefined && other !== secret.name) {
        problems.push(
          `Secrets "${other}" and "${secret.name}" would share the SSM parameter ${parameter}: rename one of them.`,
        );
      }
      owners.set(parameter, secret.name);
    }
  }
  return problems;
}

/** Secrets Manager's rule for names (CreateSecret: Name). */
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;

/** The resource part of a secret ARN (tokens before it are fine), e.g. `ringg/prod` or `ringg/prod-AbCdEf`. */
function nameInArn(arn: string): string | undefined {
  const at = arn.indexOf(':secret:');
  return at < 0 ? undefined : arn.slice(at + ':secret:'.length);
}
