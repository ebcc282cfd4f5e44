// docs/security.md prints the key policies a key of the user's needs: they must be exactly what the
// construct synthesizes, so that a key set up from the page works and grants nothing more.
import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { RinggKeyRotation } from '../../lib/ringg-key-rotation.js';
import { ENV, unbundledApp } from './support.js';

const DOC = readFileSync('docs/security.md', 'utf8');
const SECRETS_KEY = `arn:aws:kms:${ENV.region}:${ENV.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** The JSON block after `<!-- policy: name -->`. */
function documented(name: string): unknown {
  const at = DOC.indexOf(`<!-- policy: ${name} -->`);
  if (at < 0) throw new Error(`docs/security.md has no policy ${name}`);
  const block = /```json\n([\s\S]*?)\n```/.exec(DOC.slice(at));
  return JSON.parse(block?.[1] ?? '');
}

/** A synthesized value with the deployment's values replaced by the page's placeholders. */
function placeholders(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(placeholders);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => placeholders(p)).join(sep);
    }
    if ('Ref' in obj) {
      if (obj.Ref === 'AWS::Partition') return 'aws';
      if (obj.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
    }
    if ('Fn::GetAtt' in obj) {
      const [id] = obj['Fn::GetAtt'] as string[];
      if (id?.startsWith('RotationRole')) return '<FUNCTION_ROLE_ARN>';
      if (id?.startsWith('Reader')) return '<READER_ROLE_ARN>';
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, placeholders(v)]));
  }
  if (typeof value !== 'string') return value;
  return value
    .replaceAll(`parameter/services/ringg`, 'parameter<MIRROR_PREFIX>')
    .replaceAll(`parameter/ringg-rotation`, 'parameter<PARAMETER_PREFIX>')
    .replaceAll(ENV.account, '<ACCOUNT>')
    .replaceAll(ENV.region, '<REGION>');
}

function synthesized() {
  const stack = new Stack(unbundledApp(), 'Doc', { env: ENV });
  const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'Secret', {
    secretPartialArn: `arn:aws:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/prod`,
    encryptionKey: kms.Key.fromKeyArn(stack, 'SecretsKey', SECRETS_KEY),
  });
  const rotation = new RinggKeyRotation(stack, 'Rotation', {
    secrets: [secret],
    parameterStoreMirror: { prefix: '/services/ringg' },
  });
  const reader = new iam.Role(stack, 'Reader', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
  });
  rotation.grantReadMirror(reader, secret);
  return Template.fromStack(stack);
}

describe('docs/security.md', () => {
  it('prints the parameter key policy the construct creates, statement for statement', () => {
    const template = synthesized();
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    expect(documented('parameter-key')).toEqual(placeholders(key?.Properties.KeyPolicy));
  });

  it("prints the statement the secrets' own key needs, with the function's actions and conditions", () => {
    const granted = Object.values(synthesized().findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .find((s) => s.Sid === 'SecretsCustomerManagedKeys');
    const doc = documented('secrets-key') as Record<string, unknown>;
    expect(granted?.Resource).toBe(SECRETS_KEY);
    expect({ Action: doc.Action, Condition: doc.Condition, Effect: doc.Effect }).toEqual(
      placeholders({ Action: granted?.Action, Condition: granted?.Condition, Effect: granted?.Effect }),
    );
    expect(doc.Principal).toEqual({ AWS: '<FUNCTION_ROLE_ARN>' });
  });
});
