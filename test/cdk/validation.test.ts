import { App, Duration, Errors, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { DURATION_DEFAULTS_MS, minimumFunctionTimeoutMs } from '../../common/function-settings.js';
import { loadConfig } from '../../lambda/config.js';
import { RinggKeyRotation, type RinggKeyRotationProps } from '../../lib/ringg-key-rotation.js';
import { build, ENV, UNBUNDLED } from './support.js';

/** The construct with `props`, not yet synthesized. */
function construct(props: Partial<RinggKeyRotationProps> = {}) {
  const app = new App({ context: UNBUNDLED });
  const stack = new Stack(app, 'Test', { env: ENV });
  const rotation = new RinggKeyRotation(stack, 'Rotation', {
    secrets: [secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'ringg/prod')],
    ...props,
  });
  return { app, stack, rotation };
}

/** The error synthesis raises, or undefined. */
function synthError(props: Partial<RinggKeyRotationProps>): unknown {
  try {
    construct(props).app.synth();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** The function's environment as the construct writes it. */
/**
 * The function's environment as the template writes it; a value known only at deploy time (the
 * parameter key's ARN, `Fn::GetAtt`) stands in as an ARN of its kind.
 */
function functionEnvironment(props: Partial<RinggKeyRotationProps>): Record<string, string> {
  const fn = Object.values(
    build(() => props).template.findResources('AWS::Lambda::Function') as Record<
      string,
      { Properties: { Environment: { Variables: Record<string, unknown> } } }
    >,
  )[0];
  const deployed = 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000';
  return Object.fromEntries(
    Object.entries(fn?.Properties.Environment.Variables ?? {}).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : deployed,
    ]),
  );
}

describe('settings the function would refuse are refused at synth', () => {
  it('a timeout that leaves a step no time, as a CDK validation error naming the construct', () => {
    const { app } = construct({ timeout: Duration.seconds(4) }); // building it does not throw
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /\[Test\/Rotation\] timeout is 4 seconds, which leaves no rotation enough time: every step keeps 5 seconds free before the timeout .* Give at least 9 seconds/,
    );
  });

  it('the shortest timeout with which setSecret can still regenerate, and not a millisecond less', () => {
    const minimum = minimumFunctionTimeoutMs();
    expect(minimum).toBe(
      DURATION_DEFAULTS_MS.ROTATION_SAFETY_MARGIN_MS + DURATION_DEFAULTS_MS.ROTATION_RESCUE_RESERVE_MS + 700,
    );
    expect(synthError({ timeout: Duration.seconds(Math.ceil(minimum / 1000)) })).toBeUndefined();
    expect(String(synthError({ timeout: Duration.seconds(Math.floor(minimum / 1000)) }))).toMatch(
      /timeout is 8 seconds/,
    );
  });

  it('ringgTimeouts outside what the function loads (1 ms to 60 s), naming the prop and its variable', () => {
    expect(String(synthError({ ringgTimeouts: { connect: Duration.minutes(2) } }))).toMatch(
      /ringgTimeouts\.connect is 2 minutes; it must be whole milliseconds from 1 ms to 60 seconds\. The function refuses RINGG_CONNECT_TIMEOUT_MS outside 1-60000, so every cold start would fail\./,
    );
    expect(String(synthError({ ringgTimeouts: { body: Duration.millis(0) } }))).toMatch(
      /ringgTimeouts\.body is 0 millis; .* RINGG_BODY_TIMEOUT_MS/,
    );
    expect(String(synthError({ ringgTimeouts: { headers: Duration.millis(2.5) } }))).toMatch(
      /ringgTimeouts\.headers .* whole milliseconds/,
    );
    expect(
      synthError({ ringgTimeouts: { connect: Duration.seconds(60), body: Duration.millis(1) } }),
    ).toBeUndefined();
  });

  it('applies the function loader’s own rule to each Ringg timeout: accepted by one exactly when by the other', () => {
    for (const ms of [0, 0.5, 1, 250, 2_500.5, 60_000, 60_001, 120_000]) {
      const synthAccepts = synthError({ ringgTimeouts: { connect: Duration.millis(ms) } }) === undefined;
      let loaderAccepts = true;
      try {
        loadConfig({ RINGG_CONNECT_TIMEOUT_MS: String(ms) });
      } catch {
        loaderAccepts = false;
      }
      expect(synthAccepts, `${ms} ms`).toBe(loaderAccepts);
    }
  });

  it('a parameter prefix or mirror prefix SSM (and the function) would refuse', () => {
    expect(String(synthError({ parameterPrefix: 'ringg-rotation' }))).toMatch(
      /parameterPrefix "ringg-rotation" must be an SSM parameter path: start with "\/"/,
    );
    expect(String(synthError({ parameterStoreMirror: { prefix: '/aws/ringg' } }))).toMatch(
      /parameterStoreMirror\.prefix "\/aws\/ringg" must be an SSM parameter path: .*not start with aws or ssm/,
    );
    expect(String(synthError({ parameterPrefix: '/team/ringg/' }))).toMatch(/not end with "\/"/);
  });

  it('reports every refused setting at once', () => {
    const message = String(
      synthError({
        timeout: Duration.seconds(4),
        ringgTimeouts: { connect: Duration.minutes(2) },
        maxConcurrentRotations: 0,
        ringgBaseUrl: 'http://example.com',
      }),
    );
    expect(message).toContain('Validation failed with the following errors');
    for (const prop of [
      'timeout is 4 seconds',
      'ringgTimeouts.connect',
      'maxConcurrentRotations',
      'ringgBaseUrl',
    ]) {
      expect(message).toContain(`[Test/Rotation] ${prop}`);
    }
  });

  it('writes an environment the function’s loader accepts, custom values included', () => {
    const env = functionEnvironment({
      ringgTimeouts: {
        connect: Duration.seconds(3),
        headers: Duration.millis(1_500),
        body: Duration.seconds(60),
      },
      parameterPrefix: '/team/ringg',
      parameterStoreMirror: { prefix: '/services/ringg' },
      ringgBaseUrl: 'https://eu.example.com/ca/api/v0/',
    });
    expect(loadConfig(env)).toMatchObject({
      connectTimeoutMs: 3_000,
      headersTimeoutMs: 1_500,
      bodyTimeoutMs: 60_000,
      parameterPrefix: '/team/ringg',
      mirrorPrefix: '/services/ringg',
      ringgBaseUrl: 'https://eu.example.com/ca/api/v0',
    });
    expect(() => loadConfig(functionEnvironment({}))).not.toThrow();
  });
});

describe('the function name', () => {
  it('is exposed for the stack’s own CfnOutput (rotate --all --function needs it)', () => {
    const { stack, rotation } = construct();
    expect(stack.resolve(rotation.functionName)).toEqual({ Ref: expect.stringMatching(/^RotationFunction/) });
  });
});
