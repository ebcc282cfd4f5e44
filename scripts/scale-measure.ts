// Synthesizes the ready stack with N secrets and measures every AWS limit it can reach, from the
// synthesized JSON. Used by test/cdk/scale.test.ts (asserts) and `npm run bench` (prints).
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { serializeAllowedSecrets } from '../common/allowed-secrets-file.js';
import { RinggRotationStack } from '../lib/ringg-rotation-stack.js';
import {
  ACCOUNT_ID_CHARS,
  MAX_FUNCTION_NAME_CHARS,
  MAX_PARTITION_CHARS,
  MAX_REGION_CHARS,
  policyChars,
  SECRET_ARN_SUFFIX_CHARS,
} from '../lib/scale-limits.js';

export const SCALE_ENV = { account: '111122223333', region: 'eu-west-1' };

/** The configuration: names, a CMK, the Parameter Store mirror and the CI role. */
export function scaleContext(n: number) {
  return {
    secretNames: Array.from({ length: n }, (_, i) => `ringg/workspace-${String(i).padStart(4, '0')}`),
    kmsKeyArn: `arn:aws:kms:${SCALE_ENV.region}:${SCALE_ENV.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    alarmEmail: 'oncall@example.com',
    githubRepository: 'acme/platform',
    githubRepositoryId: '123456789',
    parameterStoreMirrorPrefix: '/services/ringg',
    schedule: 'cron(0 3 ? * SUN *)',
    rotationWindow: '3h',
  };
}

export interface ScaleFigures {
  readonly secrets: number;
  readonly stacks: number;
  /** Resources of the stack with the most. */
  readonly maxResourcesPerStack: number;
  readonly parentTemplateBytes: number;
  readonly maxNestedTemplateBytes: number;
  readonly failureRules: number;
  readonly maxEventPatternChars: number;
  readonly lambdaPermissions: number;
  readonly lambdaResourcePolicyBytes: number;
  readonly functionRoleInlineChars: number;
  readonly ciRoleInlineChars: number;
  readonly ciRoleTrustChars: number;
  /** Managed policies attached to the function's role (its access to the listed secrets). */
  readonly managedPolicies: number;
  readonly maxManagedPolicyChars: number;
  /** The parameter key's policy at its longest (no mirror readers). */
  readonly keyPolicyBytes: number;
  /** The allow-list shipped in the function's code. */
  readonly allowListBytes: number;
  readonly synthMs: number;
}

// Worst-case stand-ins for values only known at deploy time: each as long as it can get.
const PARTITION = 'p'.repeat(MAX_PARTITION_CHARS);
const REGION = 'r'.repeat(MAX_REGION_CHARS);
const ACCOUNT = '1'.repeat(ACCOUNT_ID_CHARS);
const FUNCTION_ARN = `arn:${PARTITION}:lambda:${REGION}:${ACCOUNT}:function:${'f'.repeat(MAX_FUNCTION_NAME_CHARS)}`;

/**
 * Resolves a template value to the longest string it can become: `Fn::Join` joined, pseudo parameters
 * and references replaced by worst-case values. A schedule's Ref (the secret's complete ARN) becomes
 * that secret's ARN with the six-character suffix.
 */
function worstCase(value: unknown, refs: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => worstCase(v, refs));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => worstCase(p, refs)).join(sep);
    }
    if ('Ref' in obj) {
      const ref = String(obj.Ref);
      if (ref === 'AWS::Partition') return PARTITION;
      if (ref === 'AWS::Region') return REGION;
      if (ref === 'AWS::AccountId') return ACCOUNT;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      return refs.get(ref) ?? FUNCTION_ARN;
    }
    if ('Fn::GetAtt' in obj) return FUNCTION_ARN;
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, worstCase(v, refs)]));
  }
  return value;
}

type Resource = { Type: string; Properties: Record<string, unknown> };
const resourcesOf = (template: Template) =>
  Object.entries((template.toJSON().Resources ?? {}) as Record<string, Resource>);

export function measureScale(n: number): ScaleFigures {
  const started = performance.now();
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const context = scaleContext(n) as { secretNames?: string[]; secretArns?: string[] };
  const stack = new RinggRotationStack(app, 'Scale', scaleContext(n), { env: SCALE_ENV });
  const parent = Template.fromStack(stack);
  const nested = stack.rotation.scheduleStacks.map((s) => Template.fromStack(s));
  const access = Template.fromStack(stack.rotation.secretsAccess);
  const synthMs = performance.now() - started;
  const all = [parent, ...nested, access];

  const scheduleArns = new Map<string, string>();
  for (const template of nested) {
    for (const [id, r] of resourcesOf(template)) {
      if (r.Type !== 'AWS::SecretsManager::RotationSchedule') continue;
      const secretId = String(r.Properties.SecretId);
      scheduleArns.set(
        id,
        secretId.startsWith('arn:')
          ? secretId
          : `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${secretId}-${'x'.repeat(SECRET_ARN_SUFFIX_CHARS - 1)}`,
      );
    }
  }
  const ofType = (type: string) => all.flatMap((t) => resourcesOf(t).filter(([, r]) => r.Type === type));

  const rules = ofType('AWS::Events::Rule');
  const patternChars = rules.map(
    ([, r]) => JSON.stringify(worstCase(r.Properties.EventPattern, scheduleArns)).length,
  );

  // The function's resource policy as Lambda keeps it: one statement per permission.
  const permissions = ofType('AWS::Lambda::Permission');
  const resourcePolicy = {
    Version: '2012-10-17',
    Id: 'default',
    Statement: permissions.map(([id, r]) => ({
      Sid: `${stack.stackName}-${id}-${'X'.repeat(12)}`,
      Effect: 'Allow',
      Principal: { Service: r.Properties.Principal },
      Action: r.Properties.Action,
      Resource: FUNCTION_ARN,
      Condition: {
        StringEquals: { 'AWS:SourceAccount': worstCase(r.Properties.SourceAccount, scheduleArns) },
        ArnLike: { 'AWS:SourceArn': worstCase(r.Properties.SourceArn, scheduleArns) },
      },
    })),
  };

  const roles = ofType('AWS::IAM::Role');
  const roleId = (prefix: string) => roles.find(([id]) => id.startsWith(prefix))?.[0];
  const inlineChars = (id: string | undefined) =>
    ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${id}"`))
      .reduce((sum, [, p]) => sum + policyChars(worstCase(p.Properties.PolicyDocument, scheduleArns)), 0);
  const ciRole = roles.find(([id]) => id.startsWith('RinggKeyRotationCiRole'))?.[1];
  const managed = ofType('AWS::IAM::ManagedPolicy').map(([, p]) =>
    policyChars(worstCase(p.Properties.PolicyDocument, scheduleArns)),
  );

  return {
    secrets: n,
    stacks: all.length,
    maxResourcesPerStack: Math.max(...all.map((t) => resourcesOf(t).length)),
    parentTemplateBytes: Buffer.byteLength(JSON.stringify(parent.toJSON())),
    maxNestedTemplateBytes: Math.max(
      ...[...nested, access].map((t) => Buffer.byteLength(JSON.stringify(t.toJSON()))),
    ),
    failureRules: rules.length,
    maxEventPatternChars: Math.max(...patternChars),
    lambdaPermissions: permissions.length,
    lambdaResourcePolicyBytes: Buffer.byteLength(JSON.stringify(resourcePolicy)),
    functionRoleInlineChars: inlineChars(roleId('RinggKeyRotationRole')),
    ciRoleInlineChars: inlineChars(roleId('RinggKeyRotationCiRole')),
    ciRoleTrustChars: policyChars(worstCase(ciRole?.Properties.AssumeRolePolicyDocument, scheduleArns)),
    managedPolicies: managed.length,
    maxManagedPolicyChars: Math.max(0, ...managed),
    keyPolicyBytes: Math.max(
      0,
      ...ofType('AWS::KMS::Key').map(([, k]) => policyChars(worstCase(k.Properties.KeyPolicy, scheduleArns))),
    ),
    allowListBytes: Buffer.byteLength(
      serializeAllowedSecrets({ arns: context.secretArns ?? [], names: context.secretNames ?? [] }),
    ),
    synthMs,
  };
}

/** For callers that need the stack itself (e.g. policy evaluation at scale). */
export function scaleStack(n: number): RinggRotationStack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new RinggRotationStack(app, 'Scale', scaleContext(n), { env: SCALE_ENV });
}
