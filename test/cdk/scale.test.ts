// Every AWS limit a deployment can reach, checked on the synthesized templates with 1, 50 and 1,000
// secrets (the configuration: names, a CMK, the mirror, the CI role).
import { describe, expect, it } from 'vitest';
import { SSM_STANDARD_PARAMETERS_PER_REGION, standingParameterCount } from '../../common/parameter-names.js';
import { packFailurePatterns } from '../../lib/failure-pattern.js';
import { parameterNameProblems } from '../../lib/rotated-secrets.js';
import {
  CFN_RESOURCES_PER_STACK,
  CFN_TEMPLATE_BODY_INLINE_BYTES,
  CFN_TEMPLATE_BODY_S3_BYTES,
  EVENT_PATTERN_MAX_CHARS,
  EVENT_RULES_PER_BUS,
  IAM_MANAGED_POLICIES_PER_ROLE,
  IAM_MANAGED_POLICY_MAX_CHARS,
  IAM_ROLE_INLINE_POLICIES_MAX_CHARS,
  IAM_TRUST_POLICY_MAX_CHARS,
  KMS_KEY_POLICY_MAX_BYTES,
  LAMBDA_ENVIRONMENT_MAX_BYTES,
  LAMBDA_RESOURCE_POLICY_MAX_BYTES,
} from '../../lib/scale-limits.js';
import { measureScale, type ScaleFigures } from '../../scripts/scale-measure.js';

const figures = new Map<number, ScaleFigures>();
const at = (n: number) => {
  if (!figures.has(n)) figures.set(n, measureScale(n));
  return figures.get(n) as ScaleFigures;
};

describe.each([1, 50, 1000])('a deployment with %i secrets', (n) => {
  it('keeps every stack within 500 resources and every template within its size limit', () => {
    const f = at(n);
    expect(f.maxResourcesPerStack).toBeLessThanOrEqual(CFN_RESOURCES_PER_STACK);
    expect(f.parentTemplateBytes).toBeLessThanOrEqual(CFN_TEMPLATE_BODY_INLINE_BYTES);
    expect(f.maxNestedTemplateBytes).toBeLessThanOrEqual(CFN_TEMPLATE_BODY_S3_BYTES);
  });

  it('keeps every failure rule’s pattern within 2,048 characters, with each ARN at its longest', () => {
    const f = at(n);
    expect(f.maxEventPatternChars).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
    expect(f.failureRules).toBeLessThanOrEqual(EVENT_RULES_PER_BUS);
  });

  it('has one invoke permission, and a function resource policy within 20 KB', () => {
    const f = at(n);
    expect(f.lambdaPermissions).toBe(1);
    expect(f.lambdaResourcePolicyBytes).toBeLessThanOrEqual(LAMBDA_RESOURCE_POLICY_MAX_BYTES);
  });

  it('keeps the roles’ inline policies, the CI trust policy and the per-secret managed policies within IAM’s limits', () => {
    const f = at(n);
    expect(f.functionRoleInlineChars).toBeLessThanOrEqual(IAM_ROLE_INLINE_POLICIES_MAX_CHARS);
    expect(f.ciRoleInlineChars).toBeLessThanOrEqual(IAM_ROLE_INLINE_POLICIES_MAX_CHARS);
    expect(f.ciRoleTrustChars).toBeLessThanOrEqual(IAM_TRUST_POLICY_MAX_CHARS);
    expect(f.managedPolicies).toBeGreaterThanOrEqual(1);
    expect(f.managedPolicies).toBeLessThanOrEqual(IAM_MANAGED_POLICIES_PER_ROLE);
    expect(f.maxManagedPolicyChars).toBeLessThanOrEqual(IAM_MANAGED_POLICY_MAX_CHARS);
  });

  it('keeps the parameter key’s policy within 32 KB, and ships the allow-list in the code, not the environment', () => {
    const f = at(n);
    expect(f.keyPolicyBytes).toBeGreaterThan(0);
    expect(f.keyPolicyBytes).toBeLessThanOrEqual(KMS_KEY_POLICY_MAX_BYTES);
    expect(f.allowListBytes).toBeGreaterThan(0);
  });
});

describe('SSM Standard parameters per account and Region', () => {
  it('1,000 mirrored secrets keep 1,000 standing parameters and 2,000 while all rotate, within the 10,000 an account may hold', () => {
    expect(standingParameterCount(1_000, true)).toBe(1_000);
    expect(standingParameterCount(1_000, false)).toBe(0);
    expect(standingParameterCount(1_000, true) + 1_000).toBeLessThanOrEqual(
      SSM_STANDARD_PARAMETERS_PER_REGION,
    );
  });

  it('synth refuses more secrets than the account could keep parameters for while they all rotate', () => {
    const secrets = (length: number) =>
      Array.from({ length }, (_, i) => ({
        key: `ringg/w${i}`,
        secretId: `ringg/w${i}`,
        name: `ringg/w${i}`,
        completeArn: undefined,
        encryptionKey: undefined,
      }));
    expect(parameterNameProblems(secrets(5_001), '/ringg-rotation', '/mirror')).toEqual([
      expect.stringMatching(
        /^5001 secrets keep 10002 SSM parameters while they all rotate \(a mirror and a record each\), more than the 10000 Standard parameters/,
      ),
    ]);
    expect(parameterNameProblems(secrets(5_000), '/ringg-rotation', '/mirror')).toEqual([]);
    expect(parameterNameProblems(secrets(5_001), '/ringg-rotation', undefined)).toEqual([]);
    expect(parameterNameProblems(secrets(10_001), '/ringg-rotation', undefined)).toEqual([
      expect.stringMatching(
        /^10001 secrets keep 10001 SSM parameters while they all rotate \(a record each\)/,
      ),
    ]);
  });
});

describe('what grows with the number of secrets', () => {
  it('inline IAM policies, the key policy and the resource policy do not grow from 1 to 1,000 secrets; the per-secret managed policies do', () => {
    for (const key of [
      'functionRoleInlineChars',
      'ciRoleInlineChars',
      'ciRoleTrustChars',
      'keyPolicyBytes',
    ] as const) {
      expect(at(1000)[key]).toBe(at(50)[key]);
    }
    expect(at(1000).lambdaResourcePolicyBytes).toBeLessThanOrEqual(at(1).lambdaResourcePolicyBytes);
    expect(at(1000).managedPolicies).toBeGreaterThan(at(50).managedPolicies);
  });

  it('the allow-list of 1,000 names would not fit in the function’s environment (4 KB), hence a file', () => {
    expect(at(1000).allowListBytes).toBeGreaterThan(LAMBDA_ENVIRONMENT_MAX_BYTES);
  });

  it('schedules spread over the nested stacks, and failure rules over as many patterns as needed', () => {
    expect(at(1).stacks).toBe(3); // the stack, the secrets access stack and one schedule stack
    expect(at(1000).stacks).toBe(12); // the stack, the secrets access stack and 10 schedule stacks
    expect(at(1000).failureRules).toBeGreaterThan(at(50).failureRules);
  });

  it('packs patterns exactly up to the limit, and refuses an ARN that cannot fit at all', () => {
    const groups = packFailurePatterns(
      Array.from({ length: 100 }, (_, i) => i),
      () => 100,
      1_000,
    );
    expect(groups.flat()).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(groups.length).toBeGreaterThan(10);
    expect(() => packFailurePatterns([1], () => 2_000)).toThrow(/does not fit in one EventBridge pattern/);
  });
});
