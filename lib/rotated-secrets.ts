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

/**
 * Reads each imported secret without aws-cdk-lib's suffix stripping: `Secret.fromSecretAttributes` with
 * a partial ARN turns `ringg/team-alpha1` into the name `ringg/team`, because `-alpha1` looks like the
 * random suffix. The name is taken from the ARN the secret was imported with instead. Refuses
 * duplicates and secrets of another account or Region.
 */
export function readRotatedSecrets(
  secrets: readonly secretsmanager.ISecret[],
  stack: { account: string; region: string },
): RotatedSecret[] {
  const seen = new Map<string, number>();
  return secrets.map((secret, index) => {
    const rotated = readOne(secret, index);
    const other = seen.get(rotated.key);
    if (other !== undefined) {
      throw new Error(
        `secrets[${index}] and secrets[${other}] are the same secret (${rotated.key}): list each secret once.`,
      );
    }
    seen.set(rotated.key, index);
    if (rotated.completeArn && !Token.isUnresolved(rotated.completeArn)) {
      const [, , , region, account] = rotated.completeArn.split(':');
      for (const [what, theirs, ours] of [
        ['account', account, stack.account],
        ['Region', region, stack.region],
      ] as const) {
        if (!Token.isUnresolved(ours) && theirs !== ours) {
          throw new Error(
            `secrets[${index}] (${rotated.completeArn}) is in ${what} ${theirs}, the stack in ${ours}: ` +
              'the function rotates secrets of its own account and Region only. Deploy one stack per account and Region.',
          );
        }
      }
    }
    return rotated;
  });
}

function readOne(secret: secretsmanager.ISecret, index: number): RotatedSecret {
  const encryptionKey = secret.encryptionKey;
  const full = secret.secretFullArn;
  if (full !== undefined) {
    const name = Token.isUnresolved(full) ? undefined : nameInArn(full)?.slice(0, -7);
    return { key: full, secretId: full, name, completeArn: full, encryptionKey };
  }
  const name = nameInArn(secret.secretArn);
  if (name === undefined || Token.isUnresolved(name)) {
    throw new Error(
      `secrets[${index}] has no name or complete ARN known at synth time: import it with ` +
        'Secret.fromSecretNameV2, fromSecretCompleteArn or fromSecretAttributes.',
    );
  }
  if (!SECRET_NAME.test(name)) {
    throw new Error(
      `secrets[${index}]: "${name}" is not a Secrets Manager secret name (1-512 characters of A-Z a-z 0-9 / _ + = . @ -).`,
    );
  }
  return { key: name, secretId: name, name, completeArn: undefined, encryptionKey };
}

/**
 * Refuses, at synth, secrets whose journal, intent, rescue or mirror parameters SSM could not hold
 * (more than 15 levels) or that two secrets would share, instead of failing every rotation later.
 */
export function checkParameterNames(
  secrets: readonly RotatedSecret[],
  parameterPrefix: string,
  mirrorPrefix: string | undefined,
): void {
  const standing = standingParameterCount(secrets.length, mirrorPrefix !== undefined);
  if (standing > SSM_STANDARD_PARAMETERS_PER_REGION) {
    throw new Error(
      `${secrets.length} secrets keep ${standing} SSM parameters (a journal${mirrorPrefix ? ' and a mirror' : ''} each), more ` +
        `than the ${SSM_STANDARD_PARAMETERS_PER_REGION} Standard parameters an account may hold per Region. Split the ` +
        'secrets over accounts or Regions, or drop the mirror.',
    );
  }
  const owners = new Map<string, string>();
  for (const secret of secrets) {
    if (secret.name === undefined) continue;
    const problem = parameterNamesProblem(parameterPrefix, secret.name);
    if (problem) throw new Error(`Secret "${secret.name}" cannot be rotated: ${problem} (parameterPrefix).`);
    const mirror = mirrorPrefix === undefined ? undefined : mirrorParameterName(mirrorPrefix, secret.name);
    if (mirror && levelsOf(mirror) > SSM_MAX_HIERARCHY_LEVELS) {
      throw new Error(
        `Secret "${secret.name}" cannot be mirrored: ${mirror} would have ${levelsOf(mirror)} levels, and SSM ` +
          `Parameter Store allows ${SSM_MAX_HIERARCHY_LEVELS}. Use a shorter parameterStoreMirror.prefix.`,
      );
    }
    for (const parameter of [parameterNames(parameterPrefix, secret.name).recordPath, mirror]) {
      if (parameter === undefined) continue;
      const other = owners.get(parameter);
      if (other !== undefined && other !== secret.name) {
        throw new Error(
          `Secrets "${other}" and "${secret.name}" would share the SSM parameter ${parameter}: rename one of them.`,
        );
      }
      owners.set(parameter, secret.name);
    }
  }
}

/** Secrets Manager's rule for names (CreateSecret: Name). */
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;

/** The resource part of a secret ARN (tokens before it are fine), e.g. `ringg/prod` or `ringg/prod-AbCdEf`. */
function nameInArn(arn: string): string | undefined {
  const at = arn.indexOf(':secret:');
  return at < 0 ? undefined : arn.slice(at + ':secret:'.length);
}
