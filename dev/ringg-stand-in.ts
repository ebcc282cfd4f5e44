import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RateLimit } from './throttle.js';

/**
 * A local Ringg that follows ../shared/ringg-api.openapi.yaml: one live key per workspace, and a
 * regenerate that kills the old key in the same call. Fault switches reproduce what the rotation must
 * survive. Listens on loopback only.
 */
export type RinggFaultKind =
  /** PATCH answers 500 and does not regenerate. */
  | 'regenerate-500-before'
  /** PATCH regenerates, then answers 500: the new key is lost. */
  | 'regenerate-500-after'
  /**
   * PATCH answers 500 at once, and Ringg applies it late: right after it answers the next
   * GET /workspace of that workspace (with the old key still valid), the key is regenerated and lost.
   */
  | 'regenerate-500-applied-late'
  /** PATCH regenerates, then drops the connection without an answer. */
  | 'regenerate-reset-after'
  /** PATCH regenerates, then answers 200 with a body that has no new_api_key. */
  | 'regenerate-200-without-key'
  /** PATCH answers 429 (Retry-After: `retryAfter`) and does not regenerate. */
  | 'regenerate-429'
  /** PATCH answers 403 (the key may not manage API keys). */
  | 'regenerate-403'
  /** GET /workspace answers 500. */
  | 'workspace-500'
  /** GET /workspace answers 429 (Retry-After: `retryAfter`). */
  | 'workspace-429'
  /** GET /workspace answers 403 to a valid key (it may not read the workspace); 401 to any other. */
  | 'workspace-403'
  /** GET /workspace answers 200 without workspace_info to a valid key; 401 to any other. */
  | 'workspace-200-without-info'
  /** PATCH is accepted and never answered (nothing regenerated). */
  | 'regenerate-hang'
  /** PATCH regenerates at once and answers only after `slowAnswerMs` (an overlapping delivery's window). */
  | 'regenerate-slow-after'
  /** GET /workspace is accepted and never answered. */
  | 'workspace-hang'
  /** Any request is accepted and never answered. */
  | 'hang';

export interface RinggFault {
  readonly kind: RinggFaultKind;
  times: number;
  /** Matching requests let through before the fault applies. */
  skip: number;
}

export interface RinggEvent {
  readonly at: number;
  readonly kind: 'regenerated' | RinggCallKind;
  readonly workspaceId: string | undefined;
  readonly status: number | 'no-answer';
}

/** The requests the stand-in answers. */
export type RinggCallKind = 'regenerate-call' | 'workspace-call' | 'outbound-call';

interface Workspace {
  readonly id: string;
  readonly name: string;
  key: string;
  keyIssuedAt: number;
  readonly canManageKeys: boolean;
}

export const RINGG_BASE_PATH = '/ca/api/v0';

/** A request the stand-in holds before looking at it (see RinggStandIn.holdNext). */
export interface RinggHold {
  /** Settles when the held request has arrived. */
  readonly arrived: Promise<void>;
  /** True once the request arrived (and is waiting). */
  readonly isHeld: () => boolean;
  /** Lets the request through: it is authenticated and answered as of now. */
  release(): void;
}

type Reply =
  | { status: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  | 'no-answer'
  | 'reset';

const SERVER_ERROR: Reply = { status: 500, body: { detail: 'Internal Server Error' } };

const UNAUTHORIZED: Reply = { status: 401, body: { detail: 'Invalid API key' } };
const REGENERATE_FAULTS: readonly RinggFaultKind[] = [
  'hang',
  'regenerate-hang',
  'regenerate-slow-after',
  'regenerate-500-before',
  'regenerate-500-after',
  'regenerate-500-applied-late',
  'regenerate-reset-after',
  'regenerate-200-without-key',
  'regenerate-429',
  'regenerate-403',
];

export class RinggStandIn {
  private server: Server | undefined;
  private readonly workspaces = new Map<string, Workspace>();
  private readonly faults: RinggFault[] = [];
  readonly events: RinggEvent[] = [];
  /** Every key this stand-in ever issued, for tests that prove no key leaks into output. */
  readonly issuedKeys: string[] = [];
  /** A freshly issued key answers 401 for this long, as a key still propagating would. */
  newKeyDelayMs = 0;
  /** When set, requests over this rate are answered 429 with Retry-After: 1, and change nothing. */
  rateLimit: RateLimit | undefined;
  /** The Retry-After header of every 429 (`0` or a date already past: answers that give no pause). */
  retryAfter = '1';
  /** Workspaces with a regenerate Ringg has yet to apply (fault `regenerate-500-applied-late`). */
  private readonly appliedLate = new Set<string>();
  /** How long `regenerate-slow-after` holds its answer (real time). */
  slowAnswerMs = 300;
  /**
   * How a regenerate answer spells `new_api_key`, for the key shapes the rotation must handle; the
   * workspace's live key stays the issued one. Undefined: the key as issued.
   */
  newKeyAs: ((issued: string) => unknown) | undefined;
  /** How a new key is made (any printable ASCII the key rule accepts); undefined: a UUID. */
  issueKeysAs: (() => string) | undefined;
  /**
   * Called when a PATCH has regenerated a workspace's key, before Ringg answers: what a test does
   * "right after the PATCH" (e.g. a KMS key that starts refusing). Not called for the dashboard.
   */
  onRegenerated: ((workspaceId: string) => void) | undefined;
  private readonly holds: { kind: RinggCallKind; arrive: () => void; released: Promise<void> }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return this.baseUrl();
  }

  baseUrl(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('The Ringg stand-in is not started');
    return `http://127.0.0.1:${address.port}${RINGG_BASE_PATH}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  addWorkspace(options: { id?: string; name?: string; key?: string; canManageKeys?: boolean } = {}): {
    id: string;
    key: string;
  } {
    const workspace: Workspace = {
      id: options.id ?? randomUUID(),
      name: options.name ?? 'Local Workspace',
      key: options.key ?? randomUUID(),
      keyIssuedAt: this.now() - 86_400_000,
      canManageKeys: options.canManageKeys ?? true,
    };
    this.workspaces.set(workspace.id, workspace);
    this.issuedKeys.push(workspace.key);
    return { id: workspace.id, key: workspace.key };
  }

  liveKey(workspaceId: string): string {
    const workspace = this.workspaces.get(workspaceId);
    if (!workspace) throw new Error(`No workspace ${workspaceId}`);
    return workspace.key;
  }

  /** What an operator does in the Ringg dashboard: a new key, the old one dead. */
  regenerateInDashboard(workspaceId: string): string {
    const workspace = this.workspaces.get(workspaceId);
    if (!workspace) throw new Error(`No workspace ${workspaceId}`);
    workspace.key = randomUUID();
    workspace.keyIssuedAt = this.now() - 86_400_000;
    this.issuedKeys.push(workspace.key);
    return workspace.key;
  }

  /**
   * Holds the next request of `kind` before anything about it is decided: it is authenticated and
   * answered only once released, against the keys as they are then (a request delayed in flight).
   */
  holdNext(kind: RinggCallKind): RinggHold {
    let arrive = () => {};
    let release = () => {};
    let held = false;
    const arrived = new Promise<void>((resolve) => {
      arrive = () => {
        held = true;
        resolve();
      };
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.push({ kind, arrive, released });
    return { arrived, isHeld: () => held, release };
  }

  inject(kind: RinggFaultKind, times = 1, skip = 0): void {
    this.faults.push({ kind, times, skip });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Keys actually replaced through the API, per workspace or in all. */
  regenerations(workspaceId?: string): number {
    return this.events.filter(
      (e) => e.kind === 'regenerated' && (workspaceId === undefined || e.workspaceId === workspaceId),
    ).length;
  }

  calls(kind: RinggCallKind): number {
    return this.events.filter((e) => e.kind === kind).length;
  }

  private takeFault(kinds: readonly RinggFaultKind[]): RinggFaultKind | undefined {
    const fault = this.faults.find((f) => f.times > 0 && kinds.includes(f.kind));
    if (!fault) return undefined;
    if (fault.skip > 0) {
      fault.skip--;
      return undefined;
    }
    fault.times--;
    return fault.kind;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const path = (req.url ?? '').split('?')[0];
    const kind = this.kindOf(path, req.method);
    const hold = this.holds.findIndex((h) => h.kind === kind);
    if (hold >= 0) {
      const [{ arrive, released }] = this.holds.splice(hold, 1) as [(typeof this.holds)[number]];
      arrive();
      void released.then(() => this.answer(req, res, path));
      return;
    }
    this.answer(req, res, path);
  }

  private kindOf(path: string | undefined, method: string | undefined): RinggCallKind | undefined {
    if (path === `${RINGG_BASE_PATH}/workspace` && method === 'GET') return 'workspace-call';
    if (path === `${RINGG_BASE_PATH}/workspace/api-key` && method === 'PATCH') return 'regenerate-call';
    if (path === `${RINGG_BASE_PATH}/calling/outbound/individual` && method === 'POST')
      return 'outbound-call';
    return undefined;
  }

  private answer(req: IncomingMessage, res: ServerResponse, path: string | undefined): void {
    // Over the rate: refused before anything is looked at or changed, as a rate limiter in front would.
    const limited =
      this.rateLimit && path?.startsWith(`${RINGG_BASE_PATH}/workspace`) && !this.rateLimit.take();
    let reply: Reply;
    if (limited)
      reply = this.rateLimited(
        req,
        path === `${RINGG_BASE_PATH}/workspace` ? 'workspace-call' : 'regenerate-call',
      );
    else if (path === `${RINGG_BASE_PATH}/workspace` && req.method === 'GET') reply = this.getWorkspace(req);
    else if (path === `${RINGG_BASE_PATH}/workspace/api-key` && req.method === 'PATCH')
      reply = this.regenerate(req);
    else if (path === `${RINGG_BASE_PATH}/calling/outbound/individual` && req.method === 'POST')
      reply = this.startCall(req);
    else reply = { status: 404, body: { detail: 'Not Found' } };
    if (reply === 'no-answer') return;
    if (reply === 'reset') {
      req.socket.destroy();
      return;
    }
    const answer = () => {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    };
    if (reply.delayMs) setTimeout(answer, reply.delayMs);
    else answer();
  }

  private authenticate(req: IncomingMessage): Workspace | undefined {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string') return undefined;
    for (const workspace of this.workspaces.values()) {
      if (workspace.key === key && this.now() - workspace.keyIssuedAt >= this.newKeyDelayMs) return workspace;
    }
    return undefined;
  }

  private getWorkspace(req: IncomingMessage): Reply {
    const fault = this.takeFault([
      'hang',
      'workspace-500',
      'workspace-429',
      'workspace-403',
      'workspace-200-without-info',
      'workspace-hang',
    ]);
    const workspace = this.authenticate(req);
    const reply = this.decideWorkspace(fault, workspace);
    this.record('workspace-call', workspace, reply);
    if (workspace && this.appliedLate.delete(workspace.id)) this.issueNewKey(workspace);
    return reply;
  }

  private issueNewKey(workspace: Workspace): void {
    workspace.key = this.issueKeysAs?.() ?? randomUUID();
    workspace.keyIssuedAt = this.now();
    this.issuedKeys.push(workspace.key);
    this.events.push({ at: this.now(), kind: 'regenerated', workspaceId: workspace.id, status: 200 });
    this.onRegenerated?.(workspace.id);
  }

  private decideWorkspace(fault: RinggFaultKind | undefined, workspace: Workspace | undefined): Reply {
    if (fault === 'hang' || fault === 'workspace-hang') return 'no-answer';
    if (fault === 'workspace-500') return SERVER_ERROR;
    if (fault === 'workspace-429') return this.rateLimitedReply();
    if (!workspace) return UNAUTHORIZED;
    if (fault === 'workspace-403')
      return { status: 403, body: { detail: 'Not allowed to read the workspace' } };
    if (fault === 'workspace-200-without-info') return { status: 200, body: { status: 'ok' } };
    return {
      status: 200,
      body: {
        workspace_info: {
          id: workspace.id,
          name: workspace.name,
          created_at: '2024-12-16T13:03:29.947147+00:00',
          credits: 3025.0,
          locked_credits: 0,
          api_key: workspace.key,
        },
      },
    };
  }

  /** POST /calling/outbound/individual: what Ringg users mostly do. Starts a (pretend) call. */
  private startCall(req: IncomingMessage): Reply {
    const workspace = this.authenticate(req);
    const reply: Reply = workspace
      ? { status: 200, body: { message: 'Call initiated', call_id: randomUUID() } }
      : UNAUTHORIZED;
    this.record('outbound-call', workspace, reply);
    return reply;
  }

  private rateLimitedReply(): Reply {
    return {
      status: 429,
      body: { detail: 'Rate limit exceeded' },
      headers: { 'retry-after': this.retryAfter },
    };
  }

  private rateLimited(req: IncomingMessage, kind: 'workspace-call' | 'regenerate-call'): Reply {
    const reply = this.rateLimitedReply();
    this.record(kind, this.authenticate(req), reply);
    return reply;
  }

  private regenerate(req: IncomingMessage): Reply {
    const fault = this.takeFault(REGENERATE_FAULTS);
    const workspace = this.authenticate(req);
    const reply = this.decideRegenerate(fault, workspace);
    this.record('regenerate-call', workspace, reply);
    return reply;
  }

  private decideRegenerate(fault: RinggFaultKind | undefined, workspace: Workspace | undefined): Reply {
    if (fault === 'hang' || fault === 'regenerate-hang') return 'no-answer';
    if (fault === 'regenerate-429') return this.rateLimitedReply();
    if (fault === 'regenerate-500-before') return SERVER_ERROR;
    if (!workspace) return UNAUTHORIZED;
    if (fault === 'regenerate-403' || !workspace.canManageKeys) {
      return { status: 403, body: { detail: 'Not allowed to manage API keys' } };
    }
    if (fault === 'regenerate-500-applied-late') {
      this.appliedLate.add(workspace.id);
      return SERVER_ERROR;
    }
    this.issueNewKey(workspace);
    if (fault === 'regenerate-500-after') return SERVER_ERROR;
    if (fault === 'regenerate-reset-after') return 'reset';
    if (fault === 'regenerate-200-without-key') return { status: 200, body: { message: 'ok' } };
    const newApiKey = this.newKeyAs ? this.newKeyAs(workspace.key) : workspace.key;
    if (typeof newApiKey === 'string' && newApiKey !== workspace.key) this.issuedKeys.push(newApiKey);
    return {
      status: 200,
      body: { new_api_key: newApiKey },
      ...(fault === 'regenerate-slow-after' ? { delayMs: this.slowAnswerMs } : {}),
    };
  }

  private record(
    kind: 'workspace-call' | 'regenerate-call' | 'outbound-call',
    workspace: Workspace | undefined,
    reply: Reply,
  ): void {
    const status = typeof reply === 'string' ? 'no-answer' : reply.status;
    this.events.push({ at: this.now(), kind, workspaceId: workspace?.id, status });
  }
}
