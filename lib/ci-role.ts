import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledgeRotatedSecretsWildcard, rotatedSecretsStatement } from './iam-scope.js';
import { acknowledge, wildcardFindingId } from './nag-finding.js';

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

/** What in the options GitHub or IAM would refuse, one sentence each (a trust policy that matches no token). */
export function ciRoleProblems(options: GitHubCiRoleOptions): string[] {
  const problems: string[] = [];
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.repository)) {
    problems.push(`ciRole.repository "${options.repository}" must be owner/name, e.g. acme/platform.`);
  }
  if (options.repositoryId !== undefined && !/^\d+$/.test(options.repositoryId)) {
    problems.push(
      `ciRole.repositoryId "${options.repositoryId}" must be the repository's numeric id: gh api repos/${options.repository} --jq .id`,
    );
  }
  for (const ref of options.refs ?? []) {
    if (/[*?\s:]/.test(ref)) problems.push(`ciRole.refs: "${ref}" is not a git ref (no *, ?, : or spaces).`);
  }
  return problems;
}

/**
 * The CI role: may start a rotation of the rotated secrets (never change their rotation rules or
 * function), watch it, invoke the function (RotateSecret requires it of the caller), and read the journal.
 */
export function createCiRole(
  scope: Construct,
  options: GitHubCiRoleOptions,
  functionArn: string,
  journalArn: string,
): iam.Role {
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
  role.addToPolicy(
    new iam.PolicyStatement({ sid: 'ReadJournal', actions: ['ssm:GetParameter'], resources: [journalArn] }),
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
  acknowledge(role, {
    id: wildcardFindingId(role, '*'),
    reason:
      'secretsmanager:ListSecrets supports no resource-level permissions; it lists secret metadata, never values, for rotate --all.',
  });
  acknowledgeRotatedSecretsWildcard(role);
  acknowledge(role, {
    id: wildcardFindingId(role, journalArn),
    reason: 'Read-only access to the journal parameter of each rotated secret, named after the secret.',
  });
  return role;
}
