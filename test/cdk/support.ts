import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RinggKeyRotation, type RinggKeyRotationProps } from '../../lib/ringg-key-rotation.js';

export const ENV = { account: '111122223333', region: 'eu-west-1' };

/**
 * A stack in a fixed account and region, so ARNs in the template are plain strings. Props that need
 * the stack (imported secrets, VPCs, topics) come from `makeProps`; the secret defaults to
 * `ringg/prod`, imported by name.
 */
export function build(makeProps: (stack: Stack) => Partial<RinggKeyRotationProps> = () => ({})) {
  const app = unbundledApp();
  const stack = new Stack(app, 'Test', { env: ENV });
  const props = makeProps(stack);
  const secrets = props.secrets ?? [secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'ringg/prod')];
  const rotation = new RinggKeyRotation(stack, 'Rotation', { ...props, secrets });
  return {
    app,
    stack,
    rotation,
    template: Template.fromStack(stack),
    /** The templates of the nested stacks holding the schedules and failure rules. */
    schedules: () => rotation.scheduleStacks.map((nested) => Template.fromStack(nested)),
  };
}

/** Every resource of a type across templates, as [logical id, resource]. */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON
export function resourcesOf(templates: Template[], type: string): [string, Record<string, any>][] {
  return templates.flatMap((t) => Object.entries(t.findResources(type)));
}

/**
 * An app that skips asset bundling (as `cdk synth --exclusively` does for other stacks): the function's
 * code asset is not built. The real synth test (app-synth.test.ts) covers the bundle.
 */
export function unbundledApp(): App {
  return new App({ context: UNBUNDLED });
}

/** The context that skips asset bundling in every stack (`cdk synth --exclusively` does it for others). */
export const UNBUNDLED = { 'aws:cdk:bundling-stacks': [] };

/** Props with secrets imported by name. */
export const byName =
  (...names: string[]) =>
  (stack: Stack): Partial<RinggKeyRotationProps> => ({
    secrets: names.map((name, i) => secretsmanager.Secret.fromSecretNameV2(stack, `Secret${i}`, name)),
  });

/** Every statement of every IAM policy attached to the role whose logical id starts with `rolePrefix`. */
export function statementsOf(template: Template, rolePrefix: string): Record<string, unknown>[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(rolePrefix))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
    .map((s) => flatten(s) as Record<string, unknown>);
}

/** Resolves Fn::Join and Ref into readable strings: {"Ref":"X"} → "${X}". */
export function flatten(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flatten);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => flatten(p)).join(sep);
    }
    if ('Ref' in obj) return `\${${obj.Ref}}`;
    if ('Fn::GetAtt' in obj) return `\${${(obj['Fn::GetAtt'] as string[]).join('.')}}`;
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, flatten(v)]));
  }
  return value;
}

/** The one resource of a type across templates; fails when there is not exactly one. */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON
export function onlyResource(templates: Template[], type: string): Record<string, any> {
  const found = resourcesOf(templates, type);
  if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}`);
  return found[0]?.[1] ?? {};
}
