import { Arn, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledgeRotatedSecretsWildcard, rotatedSecretsStatement } from './iam-scope.js';
import { acknowledge, wildcardFindingId } from './nag-finding.js';
import { IAM_TRUST_POLICY_MAX_CHARS, policyChars, worstCase } from './scale-limits.js';

/**
 * A role that a GitHub Actions workflow assumes through OIDC to rotate the keys after an incident.
 * Each option narrows which jobs may assume it; every one given must hold (docs/security.md, "The CI role").
 */
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
   * The numeric id of the repository's owner, user or organization (`gh api users/OWNER --jq .id`).
   * When given, the token's `repository_owner_id` claim must equal it, and so must the owner id in the
   * immutable subject form: an account that later takes over the owner's name cannot assume the role.
   *
   * @default - any owner id (the owner is identified by its name)
   */
  readonly ownerId?: string;
  /**
   * The git refs whose workflows may assume the role. With `environments`, refs are not in the token's
   * subject; when both are given, the token's `ref` claim must also be one of these.
   *
   * @default ['refs/heads/main'], or any ref when `environments` are given (their deployment branch
   * rules decide)
   */
  readonly refs?: string[];
  /**
   * GitHub environments whose jobs may assume the role, instead of refs: GitHub puts the environment,
   * not the ref, in the token's subject when a job names one. Give the environment required reviewers
   * and a deployment branch rule, so that a run needs a person's approval. Names as GitHub allows them
   * (up to 255 characters), without `*`, `?`, `:` or white space at either end.
   *
   * @default - refs decide
   */
  readonly environments?: string[];
  /**
   * The workflow files whose jobs may assume the role, as GitHub's `job_workflow_ref` claim spells
   * them: `owner/name/.github/workflows/<file>.yml@<ref>` (for a job that calls a reusable workflow, the
   * reusable workflow's). The token's claim must be one of these exactly: another workflow file on an
   * allowed ref (one added by a pull request that was merged, say) cannot assume the role.
   *
   * @default - any workflow file of the repository on the allowed refs or environments
   */
  readonly workflows?: string[];
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
 * placeholders match more than one value, and none when the ids are given.
 */
export function githubSubjects(options: GitHubCiRoleOptions): string[] {
  const [owner, name] = options.repository.split('/');
  const contexts = options.environments?.length
    ? options.environments.map((environment) => `environment:${environment}`)
    : (options.refs ?? ['refs/heads/main']).map((ref) => `ref:${ref}`);
  const repoId = options.repositoryId ?? '*';
  const ownerId = options.ownerId ?? '*';
  return contexts.flatMap((context) => [
    `repo:${owner}/${name}:${context}`,
    `repo:${owner}@${ownerId}/${name}@${repoId}:${context}`,
  ]);
}

/** The trust policy's conditions for `options` (checked by ciRoleProblems at synth). */
export function githubTrustConditions(options: GitHubCiRoleOptions): Record<string, Record<string, unknown>> {
  const equals: Record<string, unknown> = { [`${ISSUER}:aud`]: 'sts.amazonaws.com' };
  if (options.repositoryId) equals[`${ISSUER}:repository_id`] = options.repositoryId;
  if (options.ownerId) equals[`${ISSUER}:repository_owner_id`] = options.ownerId;
  if (options.workflows?.length) equals[`${ISSUER}:job_workflow_ref`] = options.workflows;
  if (options.environments?.length && options.refs?.length) equals[`${ISSUER}:ref`] = options.refs;
  return { StringEquals: equals, StringLike: { [`${ISSUER}:sub`]: githubSubjects(options) } };
}

/**
 * What in the options GitHub could never put in a token (a trust policy that matches no job), one
 * sentence each with what to write instead; reported at synth.
 */
export function ciRoleProblems(options: GitHubCiRoleOptions): string[] {
  const problems: string[] = [];
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.repository)) {
    problems.push(`ciRole.repository "${options.repository}" must be owner/name, e.g. acme/platform.`);
  }
  for (const [prop, value, how] of [
    ['repositoryId', options.repositoryId, `gh api repos/${options.repository} --jq .id`],
    ['ownerId', options.ownerId, `gh api users/${options.repository.split('/')[0]} --jq .id`],
  ] as const) {
    if (value !== undefined && !/^\d+$/.test(value)) {
      problems.push(`ciRole.${prop} "${value}" must be a numeric id: ${how}`);
    }
  }
  for (const [prop, list] of [
    ['refs', options.refs],
    ['environments', options.environments],
    ['workflows', options.workflows],
  ] as const) {
    if (list !== undefined && list.length === 0) {
      problems.push(`ciRole.${prop} is empty: leave it out for the default, or name at least one.`);
    }
  }
  for (const ref of options.refs ?? []) {
    if (!/^refs\/(heads|tags)\/[^*?\s:]+$/.test(ref)) {
      problems.push(
        `ciRole.refs: "${ref}" is not a full git ref of a branch or tag (refs/heads/<branch> or refs/tags/<tag>, no *, ?, : or spaces).`,
      );
    }
  }
  for (const environment of options.environments ?? []) {
    if (
      environment.length > 255 ||
      environment.trim() !== environment ||
      environment === '' ||
      /[*?:]/.test(environment)
    ) {
      problems.push(
        `ciRole.environments: "${environment}" is not a GitHub environment name this role can match exactly (1 to 255 characters, no *, ? or :, no white space at either end).`,
      );
    }
  }
  for (const workflow of options.workflows ?? []) {
    const match =
      /^([\w.-]+\/[\w.-]+)\/\.github\/workflows\/[\w.-]+\.ya?ml@refs\/(heads|tags)\/[^*?\s:]+$/.exec(
        workflow,
      );
    if (!match) {
      problems.push(
        `ciRole.workflows: "${workflow}" is not a job_workflow_ref: write owner/name/.github/workflows/<file>.yml@refs/heads/<branch> ` +
          `(e.g. ${options.repository}/.github/workflows/rotate-ringg-key.yml@refs/heads/main), no * or ?.`,
      );
    }
  }
  return problems;
}

/**
 * The CI role: may start a rotation of the rotated secrets (never change their rotation rules or
 * function), watch it (its labels and the failure tag), and invoke the function (RotateSecret requires it of the caller).
 * It may read no parameter: the rotation records can hold a key.
 */
export function createCiRole(scope: Construct, options: GitHubCiRoleOptions, functionArn: string): iam.Role {
  const conditions = githubTrustConditions(options);
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
    assumedBy: new iam.WebIdentityPrincipal(providerArn, conditions),
  });
  role.node.addValidation({
    validate: () => {
      const trustChars = policyChars(worstCase(stack.resolve(role.assumeRolePolicy?.toJSON())));
      return trustChars > IAM_TRUST_POLICY_MAX_CHARS
        ? [
            `The CI role's trust policy would have ${trustChars} characters, more than IAM's ${IAM_TRUST_POLICY_MAX_CHARS} ` +
              '(the default quota; 4,096 after an increase): name fewer refs, environments or workflows.',
          ]
        : [];
    },
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
  acknowledge(role, {
    id: wildcardFindingId(role, '*'),
    reason:
      'secretsmanager:ListSecrets supports no resource-level permissions; it lists secret metadata, never values, for rotate --all.',
  });
  acknowledgeRotatedSecretsWildcard(role);
  return role;
}
