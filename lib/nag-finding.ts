import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The id cdk-nag gives an IAM5 wildcard finding on `resource`: tokens render as `<AWS::Region>` in an
 * environment-agnostic stack and as plain values in a stack with an account and region.
 */
export function wildcardFindingId(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${render(Stack.of(scope).resolve(resource))}]`;
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
