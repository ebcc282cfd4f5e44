import type { InvokeStep, RotationEventOut } from './rotation-driver.js';

/** What the stand-in answers to one Lambda API request. */
export interface LambdaReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * Lambda's Invoke API (REST: POST /2015-03-31/functions/{FunctionName}/invocations), synchronous, for
 * the one local rotation function, so that the unmodified SDK client works through
 * AWS_ENDPOINT_URL_LAMBDA. As Lambda does, a function that throws answers 200 with
 * X-Amz-Function-Error and {errorType, errorMessage}; an unknown function is a 404.
 */
export class LambdaInvokeStandIn {
  /** Every event invoked through the API (not Secrets Manager's own invocations), in order. */
  readonly invocations: RotationEventOut[] = [];

  constructor(
    private readonly functionArn: string,
    private readonly invoke: InvokeStep,
  ) {}

  handles(method: string | undefined, path: string): boolean {
    return method === 'POST' && INVOKE_PATH.test(path);
  }

  async reply(path: string, body: string): Promise<LambdaReply> {
    const name = decodeURIComponent(INVOKE_PATH.exec(path)?.[1] ?? '');
    const functionName = this.functionArn.split(':').at(-1);
    if (name !== this.functionArn && name !== functionName) {
      return error(404, 'ResourceNotFoundException', `Function not found: ${name}`);
    }
    let event: RotationEventOut;
    try {
      event = JSON.parse(body || 'null') as RotationEventOut;
    } catch {
      return error(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    this.invocations.push(event);
    try {
      const result = await this.invoke(event);
      return { status: 200, headers: EXECUTED, body: JSON.stringify(result ?? null) };
    } catch (thrown) {
      const e = thrown instanceof Error ? thrown : new Error(String(thrown));
      // The environment's concurrency bound refuses the invocation itself, as Lambda's throttle does.
      if (e.name === 'TooManyRequestsException') return error(429, e.name, e.message);
      return {
        status: 200,
        headers: { ...EXECUTED, 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }),
      };
    }
  }
}

const EXECUTED = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };

function error(status: number, type: string, message: string): LambdaReply {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ Type: 'User', message }),
  };
}
