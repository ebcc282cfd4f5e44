// A complete service that calls Ringg through the consumer library and keeps working while the key
// rotates: POST /calls starts an outbound call, GET /healthz checks the key with Ringg.
//
//   RINGG_SECRET_ID=ringg/prod AWS_REGION=eu-west-1 npx tsx examples/consumer/service.ts
//
// Configuration, all from the environment, the same settings the rotation function and the CLI read:
//   RINGG_SECRET_ID   name or ARN of the secret holding the Ringg key (required)
//   RINGG_BASE_URL    Ringg API base (default https://prod-api.ringg.ai/ca/api/v0)
//   AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_SECRETS_MANAGER, ...  the AWS SDK's standard settings
//   PORT, HOST        where this service listens (default 8080 on all interfaces)
// The service's role needs secretsmanager:GetSecretValue on the secret (and kms:Decrypt on its
// customer-managed key, if it has one).
//
// Outside this repository, import from 'ringg-key-rotation/consumer' instead.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  type ConsumerEvent,
  RinggApi,
  RinggKeyProvider,
  RinggKeysRejectedError,
  RinggRequestError,
  RinggSecretError,
} from '../../consumer/index.js';

export interface ServiceOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the library's events go; they never hold a key. */
  readonly log?: (line: string) => void;
}

export interface RunningService {
  readonly url: string;
  close(): Promise<void>;
}

export async function startService(options: ServiceOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const secretId = env.RINGG_SECRET_ID;
  if (!secretId)
    throw new Error('Set RINGG_SECRET_ID to the name or ARN of the secret holding the Ringg key.');

  const onEvent = (event: ConsumerEvent) =>
    log(JSON.stringify({ level: 'INFO', message: 'ringg', ...event }));
  const ringg = new RinggApi({ keys: new RinggKeyProvider({ secretId, onEvent }), env });

  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    route(req)
      .then(({ status, body }) => reply(status, body))
      .catch((error: unknown) => {
        // RinggRequestError says whether the call may have been made; RinggSecretError and
        // RinggKeysRejectedError that this service has no working key (their `code` says why). No
        // error here carries a key.
        const message = error instanceof Error ? error.message : String(error);
        const code =
          error instanceof RinggSecretError || error instanceof RinggKeysRejectedError
            ? error.code
            : undefined;
        log(JSON.stringify({ level: 'ERROR', message, code, path: req.url }));
        reply(error instanceof RinggRequestError ? 504 : code ? 503 : 500, { error: message, code });
      });
  });

  async function route(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    if (req.method === 'GET' && req.url === '/healthz') {
      // The body of GET /workspace holds the key: read only the fields you need, never pass it on.
      const workspace = await ringg.request<{ workspace_info?: { name?: string } }>('/workspace');
      return workspace.status === 200
        ? { status: 200, body: { ringg: 'ok', workspace: workspace.body.workspace_info?.name } }
        : { status: 503, body: { ringg: `answered ${workspace.status}` } };
    }
    if (req.method === 'POST' && req.url === '/calls') {
      let request: { to?: unknown; agentId?: unknown };
      try {
        request = JSON.parse((await readBody(req)) || '{}');
      } catch {
        return { status: 400, body: { error: 'The body must be JSON: {"to": "+15550100"}.' } };
      }
      if (typeof request.to !== 'string')
        return { status: 400, body: { error: 'Give "to": the number to call.' } };
      const call = await ringg.request<{ call_id?: string }>('/calling/outbound/individual', {
        method: 'POST',
        body: { to: request.to, agent_id: request.agentId },
      });
      return call.status === 200
        ? { status: 202, body: { callId: call.body.call_id } }
        : { status: 502, body: { error: `Ringg answered ${call.status}` } };
    }
    return { status: 404, body: { error: 'GET /healthz or POST /calls' } };
  }

  const port = Number(env.PORT ?? 8080);
  const host = env.HOST ?? '0.0.0.0';
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ringg.close();
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  startService()
    .then((service) => {
      process.stdout.write(`listening on ${service.url}\n`);
      process.once('SIGTERM', () => void service.close());
      process.once('SIGINT', () => void service.close());
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
