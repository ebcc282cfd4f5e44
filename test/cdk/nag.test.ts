import { App, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RinggRotationStack } from '../../lib/ringg-rotation-stack.js';
import { build, ENV, UNBUNDLED } from './support.js';

const CONTEXT = {
  secretNames: ['ringg/prod'],
  secretArns: [`arn:aws:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/eu-AbCdEf`],
  kmsKeyArn: `arn:aws:kms:${ENV.region}:${ENV.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  alarmEmail: 'oncall@example.com',
  githubRepository: 'acme/platform',
  schedule: 'cron(0 3 ? * SUN *)',
  rotationWindow: '3h',
  parameterStoreMirrorPrefix: '/services/ringg',
};

function readyApp(): App {
  const app = new App({ context: UNBUNDLED });
  new RinggRotationStack(app, 'Ready', CONTEXT, { env: ENV });
  return app;
}

function acknowledgements(root: IConstruct): { id: string; reason: string }[] {
  return root.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) =>
      Object.entries(m.data as Record<string, string>).map(([key, reason]) => ({
        id: key.replace(/^Annotation::/, ''),
        reason,
      })),
    );
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('cdk-nag AwsSolutions on the ready stack', () => {
  it('reports no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks(readyApp()).validateScope(readyApp());
    expect(report.violations).toEqual([]);
  });

  it('acknowledges each finding by its full id with a reason, and nothing that is not found', () => {
    const acked = acknowledgements(readyApp());
    expect(acked.length).toBeGreaterThan(0);
    for (const ack of acked) {
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length).toBeGreaterThan(40);
    }
    expect(acked.filter((a) => a.id.startsWith('AwsSolutions-IAM5')).every((a) => a.id.includes('['))).toBe(
      true,
    );

    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const app = readyApp();
    const findings = new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName);
    expect(new Set(findings)).toEqual(new Set(acked.map((a) => a.id)));
  });
});

describe('cdk-nag AwsSolutions on the construct in a VPC', () => {
  it('acknowledges the VPC access policy Lambda needs, and nothing else is found', () => {
    const inVpc = () =>
      build((stack) => ({
        vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
          vpcId: 'vpc-1',
          availabilityZones: ['eu-west-1a'],
          privateSubnetIds: ['subnet-a'],
        }),
      })).app;
    const app = inVpc();
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
    expect(acknowledgements(app).map((a) => a.id)).toContain(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    );
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const bare = inVpc();
    const findings = new AwsSolutionsChecks(bare).validateScope(bare).violations.map((v) => v.ruleName);
    expect(new Set(findings)).toEqual(new Set(acknowledgements(app).map((a) => a.id)));
  });
});
