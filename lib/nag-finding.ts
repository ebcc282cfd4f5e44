import * as cdk from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A cdk-nag finding the construct answers for: its id and why it is accepted. */
export interface NagAcknowledgment {
  readonly id: string;
  readonly reason: string;
}

/**
 * Records why a finding is accepted, for cdk-nag 3, which reads acknowledgments through
 * `Validations` (aws-cdk-lib 2.251 and later; cdk-nag 3 needs 2.257). Releases before it have no
 * `Validations`, and no cdk-nag that would read one: there is nothing to record.
 */
export function acknowledge(scope: IConstruct, ...rules: NagAcknowledgment[]): void {
  VALIDATIONS?.of(scope).acknowledge(...rules);
}

const VALIDATIONS = (
  cdk as { Validations?: { of(scope: IConstruct): { acknowledge(...rules: NagAcknowledgment[]): void } } }
).Validations;

/**
 * The id cdk-nag gives an IAM5 wildcard finding on `resource`: tokens render as `<AWS::Region>` in an
 * environment-agnostic stack and as plain values in a stack with an account and region.
 */
export function wildcardFindingId(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${render(cdk.Stack.of(scope).resolve(resource))}]`;
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::Join' in obj) {
      const [separator, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    if ('Ref' in obj) return `<${obj.Ref}>`;
    if ('Fn::GetAtt' in obj) return `<${(obj['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  return JSON.stringify(value);
}
