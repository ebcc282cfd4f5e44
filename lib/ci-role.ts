import { Arn, ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledgeRotatedSecretsWildcard, rotatedSecretsStatement } from './iam-scope.js';
import { wildcardFindingId } from './nag-finding.js';

/** A role that a GitHub Actions workflow assumes through OIDC to rotate the keys after an incident. */
export interface GitHubCiRoleOptions {
  /** The repository allowed to assume the role, as `owner/name`. */
  readonly repository: string;
  /**
   * The repository's numeric id (`gh api repos/OWNER/NAME --jq .id`). When given, the trust policy also
   * requires the token's `repository_id` claim to equal it, so a repository that later takes over the
   * name `owner/name` cannot assume the role.
   *
   * @default - the repository is identified by its name only
   */
  readonly repositoryId?: string;
  /**
   * The git refs whose workflows may assume the role.
   *
   * @default ['refs/heads/main']
   */
  readonly refs?: string[];
  /**
   * A GitHub environment whose jobs may assume the role, instead of refs. GitHub puts the environment,
   * not the ref, in the token's subject when a job names one.
   *
   * @default - refs decide
   */
  readonly environment?: string;
  /**
   * The account's GitHub OIDC provider. It is one per account, so it is imported, never created here.
   *
   * @default - arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com
   */
  readonly oidcProviderArn?: string;
}

const ISSUER = 'token.actions.githubusercontent.com';

/**
 * The token subjects GitHub issues for the repository, in both forms: `repo:owner/name:<context>` and,
 * for repositories created or renamed since 2026-07-15, the immutable `repo:owner@OWNER_ID/name@REPO_ID:<context>`.
 * Written for `StringLike`: git refs and environment names cannot contain `*` or `?`, so only the id
 * placeholders match more than one value.
 */
export function githubSubjects(options: GitHubCiRoleOptions): string[] {
  const [owner, name] = options.repository.split('/');
  const contexts = options.environment
    ? [`environment:${options.environment}`]
    : (options.refs ?? ['refs/heads/main']).map((ref) => `ref:${ref}`);
  const repoId = options.repositoryId ?? '*';
  return contexts.flatMap((context) => [
    `repo:${owner}/${name}:${context}`,
    `repo:${owner}@*/${name}@${repoId}:${context}`,
  ]);
}

/**
 * The CI role: may start a rotation of the rotated secrets (never change their rotation rules or
 * function), watch it (its labels and the failure tag), and invoke the function (RotateSecret requires it of the caller).
 * It may read no parameter: the rotation records can hold a key.
 */
export function createCiRole(scope: Construct, options: GitHubCiRoleOptions, functionArn: string): iam.Role {
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.repository)) {
    throw new Error(`ciRole.repository "${options.repository}" must be owner/name, e.g. acme/platform.`);
  }
  if (options.repositoryId !== undefined && !/^\d+$/.test(options.repositoryId)) {
    throw new Error(
      `ciRole.repositoryId "${options.repositoryId}" must be the repository's numeric id: gh api repos/${options.repository} --jq .id`,
    );
  }
  for (const ref of options.refs ?? []) {
    if (/[*?\s:]/.test(ref))
      throw new Error(`ciRole.refs: "${ref}" is not a git ref (no *, ?, : or spaces).`);
  }
  const stack = Stack.of(scope);
  const providerArn =
    options.oidcProviderArn ??
    Arn.format(
      {
        service: 'iam',
        region: '',
        resource: 'oidc-provider',
        resourceName: ISSUER,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      stack,
    );
  const role = new iam.Role(scope, 'CiRole', {
    description: `Rotates Ringg keys from GitHub Actions in ${options.repository}`,
    maxSessionDuration: Duration.hours(1),
    assumedBy: new iam.WebIdentityPrincipal(providerArn, {
      StringEquals: {
        [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        ...(options.repositoryId ? { [`${ISSUER}:repository_id`]: options.repositoryId } : {}),
      },
      StringLike: { [`${ISSUER}:sub`]: githubSubjects(options) },
    }),
  });
  role.addToPolicy(
    rotatedSecretsStatement(stack, functionArn, 'RotateNowOnly', ['secretsmanager:RotateSecret'], {
      // Refuses RotateSecret calls that would change the schedule or the rotation function.
      Bool: { 'secretsmanager:ModifyRotationRules': 'false' },
      Null: { 'secretsmanager:RotationLambdaARN': 'true' },
    }),
  );
  role.addToPolicy(
    rotatedSecretsStatement(stack, functionArn, 'WatchRotation', [
      'secretsmanager:DescribeSecret',
      'secretsmanager:ListSecretVersionIds',
    ]),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'InvokeRotationFunction',
      actions: ['lambda:InvokeFunction'],
      resources: [functionArn],
    }),
  );
  // `ringg-rotate rotate --all` finds the secrets of this function with ListSecrets, which has no
  // resource-level permissions (IAM requires "*"); it returns names and metadata, never values.
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'FindRotatedSecrets',
      actions: ['secretsmanager:ListSecrets'],
      resources: ['*'],
    }),
  );
  Validations.of(role).acknowledge({
    id: wildcardFindingId(role, '*'),
    reason:
      'secretsmanager:ListSecrets supports no resource-level permissions; it lists secret metadata, never values, for rotate --all.',
  });
  acknowledgeRotatedSecretsWildcard(role);
  return role;
}
