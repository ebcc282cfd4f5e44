import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KmsKeys } from './kms-keys.js';
import { LambdaInvokeStandIn } from './lambda-invoke.js';
import {
  continueRotation,
  type InvokeStep,
  type RotationReport,
  runConfigurationTest,
  type StepReport,
} from './rotation-driver.js';
import { AwsServiceError, SecretsManagerModel } from './secrets-manager-model.js';
import { SsmModel } from './ssm-model.js';

export interface AwsStandInOptions {
  /** The rotation function, as Secrets Manager would invoke it. */
  readonly invoke: InvokeStep;
  /** Whole-rotation attempts the service makes before it gives up. */
  readonly maxAttempts?: number;
  /** Pause between whole-rotation attempts. */
  readonly retryDelayMs?: number;
  readonly onStep?: (secretId: string, report: StepReport) => void;
  readonly region?: string;
  /** The rotation function's ARN, for Lambda's Invoke API (e.g. `ringg-rotate resume`). */
  readonly functionArn?: string;
}

/**
 * Secrets Manager and SSM Parameter Store on loopback, speaking AWS JSON 1.1 so the unmodified SDK
 * clients work through AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_SSM. The service's side
 * of RotateSecret runs the function's steps the way AWS does. With `functionArn`, Lambda's Invoke API
 * for that function too (AWS_ENDPOINT_URL_LAMBDA).
 */
export class AwsStandIn {
  readonly secretsManager: SecretsManagerModel;
  /**
   * Secrets Manager in the other Regions, by Region: a request signed for another Region than the
   * stand-in's (SigV4 credential scope) reaches that Region's own, initially empty, secrets, as AWS's
   * regional endpoints would.
   */
  readonly otherRegions = new Map<string, SecretsManagerModel>();
  readonly ssm = new SsmModel();
  readonly lambda: LambdaInvokeStandIn | undefined;
  /** Which KMS keys refuse, for the secrets and the SecureStrings alike. */
  readonly kms = new KmsKeys();
  /** Rotations started by RotateSecret, by token; each settles when the service is done with it. */
  readonly rotations = new Map<string, Promise<RotationReport | StepReport>>();
  private server: Server | undefined;

  constructor(private readonly options: AwsStandInOptions) {
    this.secretsManager = new SecretsManagerModel(options.region ?? 'us-east-1');
    this.lambda = options.functionArn
      ? new LambdaInvokeStandIn(options.functionArn, options.invoke)
      : undefined;
    this.secretsManager.kms = this.kms;
    this.ssm.kms = this.kms;
  }

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return this.endpoint();
  }

  endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('The AWS stand-in is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await Promise.allSettled(this.rotations.values());
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits for every rotation started so far. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.rotations.values());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (this.lambda?.handles(req.method, path)) {
        const reply = await this.lambda.reply(path, Buffer.concat(chunks).toString('utf8'));
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
        return;
      }
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const output = await this.dispatch(target, input, signingRegion(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(output, dateReplacer));
    } catch (error) {
      const e =
        error instanceof AwsServiceError
          ? error
          : new AwsServiceError(
              'InternalServiceError',
              error instanceof Error ? error.message : String(error),
              500,
            );
      res.writeHead(e.statusCode, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-errortype': e.type,
      });
      res.end(JSON.stringify({ __type: e.type, message: e.message }));
    }
  }

  /** The Secrets Manager of `region`: the stand-in's own, or another Region's. */
  secretsManagerIn(region: string | undefined): SecretsManagerModel {
    if (region === undefined || region === this.secretsManager.region) return this.secretsManager;
    let model = this.otherRegions.get(region);
    if (!model) {
      model = new SecretsManagerModel(region, this.secretsManager.accountId);
      this.otherRegions.set(region, model);
    }
    return model;
  }

  private async dispatch(
    target: string,
    input: Record<string, unknown>,
    region: string | undefined,
  ): Promise<unknown> {
    const [service, operation] = target.split('.');
    // biome-ignore lint/suspicious/noExplicitAny: the wire input is validated by the model
    const i = input as any;
    if (service === 'secretsmanager') {
      const sm = this.secretsManagerIn(region);
      switch (operation) {
        case 'CreateSecret':
          await sm.enter('CreateSecret', i);
          return sm.createSecret(i);
        case 'DescribeSecret':
          await sm.enter('DescribeSecret', i);
          return sm.describeSecret(i, sm.labelView('DescribeSecret', i));
        case 'GetSecretValue':
          await sm.enter('GetSecretValue', i);
          return sm.getSecretValue(i, sm.labelView('GetSecretValue', i));
        case 'PutSecretValue':
          await sm.enter('PutSecretValue', i);
          return sm.putSecretValue(i);
        case 'UpdateSecretVersionStage':
          await sm.enter('UpdateSecretVersionStage', i);
          return sm.updateSecretVersionStage(i);
        case 'ListSecretVersionIds':
          await sm.enter('ListSecretVersionIds', i);
          return sm.listSecretVersionIds(i);
        case 'TagResource':
          await sm.enter('TagResource', i);
          return sm.tagResource(i);
        case 'UntagResource':
          await sm.enter('UntagResource');
          return sm.untagResource(i);
        case 'ListSecrets':
          await sm.enter('ListSecrets', i);
          return sm.listSecrets(i);
        case 'RotateSecret':
          await sm.enter('RotateSecret', i);
          if (sm !== this.secretsManager)
            throw new AwsServiceError(
              'ResourceNotFoundException',
              "Secrets Manager can't find the specified secret.",
            );
          return this.rotateSecret(i);
      }
    }
    if (service === 'AmazonSSM') {
      const name = String(i.Name ?? i.Path ?? '');
      switch (operation) {
        case 'GetParameter':
          await this.ssm.enter('GetParameter', name);
          return this.ssm.getParameter(i);
        case 'PutParameter':
          await this.ssm.enter('PutParameter', name);
          return this.ssm.putParameter(i);
        case 'DeleteParameter':
          await this.ssm.enter('DeleteParameter', name);
          return this.ssm.deleteParameter(i);
        case 'GetParametersByPath':
          await this.ssm.enter('GetParametersByPath', name);
          return this.ssm.getParametersByPath(i);
      }
    }
    throw new AwsServiceError('UnknownOperationException', `The stand-in does not implement ${target}.`);
  }

  /** Starts the rotation as the service does: it answers at once and runs the steps afterwards. */
  private rotateSecret(input: {
    SecretId: string;
    ClientRequestToken?: string;
    RotationLambdaARN?: string;
    RotationRules?: { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string };
    RotateImmediately?: boolean;
  }) {
    const sm = this.secretsManager;
    const { ARN, Name } = sm.describeSecret({ SecretId: input.SecretId });
    const onStep = (report: StepReport) => this.options.onStep?.(ARN, report);
    if (input.RotateImmediately === false) {
      if (input.RotationLambdaARN)
        sm.enableRotation(input.SecretId, input.RotationLambdaARN, input.RotationRules);
      const test = runConfigurationTest(sm, input.SecretId, this.options.invoke).then((report) => {
        onStep(report);
        if (!report.ok) sm.disableRotation(input.SecretId);
        return report;
      });
      this.rotations.set(`test-${this.rotations.size}`, test);
      return { ARN, Name };
    }
    const token = sm.beginRotation(input);
    const rotation = continueRotation(sm, input.SecretId, token, this.options.invoke, {
      maxAttempts: this.options.maxAttempts ?? 3,
      retryDelayMs: this.options.retryDelayMs ?? 0,
      onStep,
    });
    this.rotations.set(token, rotation);
    return { ARN, Name, VersionId: token };
  }
}

/** The Region of a SigV4 Authorization header's credential scope (`Credential=AKID/date/region/service/aws4_request`). */
function signingRegion(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization ?? '')?.[1];
}

function dateReplacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  return original instanceof Date ? original.getTime() / 1000 : value;
}
