import { describe, expect, it } from 'vitest';
import { parseInvocation, UsageError } from '../../cli/args.js';
import { resolveAwsSettings, sdkClientConfig } from '../../cli/aws-options.js';
import { interruptReport } from '../../cli/interrupt.js';
import { functionErrorCode, resumePlan } from '../../cli/resume-plan.js';
import type { SecretState } from '../../cli/secret-state.js';

const FN = 'arn:aws:lambda:eu-west-1:111122223333:function:ringg-key-rotation';

describe('which region and profile (the AWS CLI’s order)', () => {
  it.each([
    [
      { region: 'eu-west-3' },
      { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' },
      'eu-west-3',
      '--region',
    ],
    [{}, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' }, 'eu-west-1', 'AWS_REGION'],
    [{}, { AWS_REGION: ' ', AWS_DEFAULT_REGION: 'eu-central-1' }, 'eu-central-1', 'AWS_DEFAULT_REGION'],
    [{}, {}, undefined, 'profile'],
  ])('%j with %j: %s from %s', (selection, env, region, regionFrom) => {
    expect(resolveAwsSettings(selection, env)).toMatchObject({ region, regionFrom });
  });

  it('--profile before AWS_PROFILE before the default, and the client gets what was decided', () => {
    expect(resolveAwsSettings({ profile: 'ops' }, { AWS_PROFILE: 'dev' })).toMatchObject({
      profile: 'ops',
      profileFrom: '--profile',
    });
    expect(resolveAwsSettings({}, { AWS_PROFILE: 'dev' })).toMatchObject({
      profile: 'dev',
      profileFrom: 'AWS_PROFILE',
    });
    const none = resolveAwsSettings({}, {});
    expect(none).toMatchObject({ profile: undefined, profileFrom: 'default' });
    expect(sdkClientConfig(none)).toEqual({}); // the SDK's own providers read the profile's region
    expect(
      sdkClientConfig(resolveAwsSettings({ profile: 'ops' }, { AWS_DEFAULT_REGION: 'eu-central-1' })),
    ).toEqual({
      region: 'eu-central-1',
      profile: 'ops',
    });
  });
});

describe('the command line', () => {
  const run = (argv: string[]) => {
    const invocation = parseInvocation(argv);
    if (invocation.kind !== 'run') throw new Error(`not a command: ${invocation.kind}`);
    return invocation;
  };

  it('reads options before and after the command, and the AWS ones only for commands that call AWS', () => {
    const invocation = run([
      '--profile',
      'ops',
      'resume',
      '--secret-id',
      ' ringg/a ',
      '--region=eu-west-1',
      '--json',
    ]);
    expect(invocation.spec.name).toBe('resume');
    expect(invocation.aws).toEqual({ region: 'eu-west-1', profile: 'ops' });
    expect(invocation.command).toMatchObject({ name: 'resume', json: true, secretId: 'ringg/a' });
  });

  it('a bulk rotation is about no single secret; one rotation is about its secret', () => {
    expect(run(['rotate', '--secret-id', 'a', '--secret-id', 'b']).command.secretId).toBeUndefined();
    expect(run(['rotate', '--secret-id', 'a']).command).toMatchObject({
      secretId: 'a',
      input: { wait: true, timeoutSeconds: 300 },
    });
  });

  it.each([
    [
      ['status', 'ringg/a'],
      'Unexpected argument "ringg/a": options start with --. (ringg-rotate status --help)',
    ],
    [
      ['help', 'nope'],
      'Unknown command "nope". Use rotate, status, resume, recover or doctor (ringg-rotate --help).',
    ],
    [['--region', 'eu-west-1'], 'No command given (ringg-rotate --help lists them).'],
    [['-V', 'status'], '--version takes no arguments (ringg-rotate --help).'],
    [
      ['resume', '--secret-id', 'a', '--parallel', '2'],
      '--parallel does not apply to resume. (ringg-rotate resume --help)',
    ],
    [['resume', '--secret-id', 'a', '--function', 'not a name'], '--function "not a name" is neither'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseInvocation(argv)).toThrow(UsageError);
    expect(() => parseInvocation(argv)).toThrow(message);
  });
});

describe('resume decides from the secret’s state alone', () => {
  const state = (overrides: Partial<SecretState> = {}): SecretState => ({
    arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ringg/a-AbCdEf',
    name: 'ringg/a',
    rotationEnabled: true,
    rotationFunction: FN,
    schedule: undefined,
    window: undefined,
    lastRotated: undefined,
    nextRotation: undefined,
    labels: { current: 'v1', pending: 'v2' },
    stuck: { versionId: 'v2', since: undefined },
    lastFailure: undefined,
    workspaceTag: undefined,
    ...overrides,
  });

  it('resumes the open rotation with the secret’s own function', () => {
    expect(resumePlan(state(), undefined)).toEqual({ kind: 'resume', functionArn: FN, token: 'v2' });
    expect(resumePlan(state(), { kind: 'name', name: 'ringg-key-rotation' })).toMatchObject({
      kind: 'resume',
    });
  });

  it.each([
    [{ stuck: undefined, labels: { current: 'v1' } }, undefined, 'nothing-to-resume'],
    [{ stuck: undefined, labels: { current: 'v2', pending: 'v2' } }, undefined, 'nothing-to-resume'],
    [{ rotationFunction: undefined }, undefined, 'rotation-not-configured'],
    [{ rotationEnabled: false }, undefined, 'rotation-disabled'],
    [{}, { kind: 'name', name: 'someone-else' } as const, 'other-rotation-function'],
  ])('%j with --function %j: refused, %s', (overrides, ref, code) => {
    expect(resumePlan(state(overrides as Partial<SecretState>), ref)).toMatchObject({ kind: 'refuse', code });
  });

  it('reads the function’s error code from Lambda’s errorType, and keeps other error names', () => {
    const known = (code: string) => ['new-key-lost', 'permission-denied'].includes(code);
    expect(functionErrorCode('NewKeyLostError', known)).toBe('new-key-lost');
    expect(functionErrorCode('PermissionDeniedError', known)).toBe('permission-denied');
    expect(functionErrorCode('InternalServiceError', known)).toBe('InternalServiceError');
    expect(functionErrorCode('AccessDeniedException', known)).toBe('AccessDeniedException');
    expect(functionErrorCode('Sandbox.Timedout', known)).toBe('Sandbox.Timedout');
  });
});

describe('the interrupt report', () => {
  it('says that nothing more was started, what goes on in AWS, and how to look at it', () => {
    expect(
      interruptReport([
        {
          secretId: 'ringg/a',
          name: 'ringg/a',
          version: 'v2',
          what: 'step setSecret invoked by resume, running in Lambda',
        },
      ]),
    ).toEqual([
      'Interrupted (Ctrl-C): no new rotation or step was started.',
      'Still running in AWS (1): a rotation cannot be cancelled, and Secrets Manager finishes or reattempts it on its own.',
      '  ringg/a  version v2: step setSecret invoked by resume, running in Lambda',
      'See where each is with:',
      '  ringg-rotate status --secret-id ringg/a',
    ]);
  });
});
