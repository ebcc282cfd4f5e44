import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../cli/context.js';
import type { CliIo } from '../../cli/io.js';
import { checkWithRingg } from '../../cli/key-check.js';
import { readKeyFromStdin } from '../../cli/read-key.js';
import { scrubbingIo } from '../../cli/scrubbing-io.js';
import type { RinggApi, WorkspaceResult } from '../../common/ringg-client.js';

function fakeIo() {
  const out: string[] = [];
  const io: CliIo = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => out.push(t) },
    stdin: Readable.from(['  pasted-key-0001\n']),
    env: {},
    sleep: async () => {},
    now: Date.now,
  };
  return { io, out };
}

function contextAnswering(...answers: WorkspaceResult[]): CliContext {
  const ringg: RinggApi = {
    getWorkspace: async () => answers.shift() ?? { kind: 'status', status: 500, retryAfterMs: undefined },
    regenerateKey: async () => ({ kind: 'no-key' }),
  };
  return { io: fakeIo().io, ringg } as unknown as CliContext;
}

describe('CLI output never carries a key', () => {
  it('masks a key read from stdin on every later output path, an SDK message included', async () => {
    const { io: raw, out } = fakeIo();
    const io = scrubbingIo(raw);
    const key = await readKeyFromStdin(io, 'Paste: ');
    expect(key).toBe('pasted-key-0001');
    io.stderr.write(`recover failed: ValidationException: bad SecretString "${key}"\n`);
    io.stdout.write(JSON.stringify({ error: { message: `echo ${key}` } }));
    expect(out.join('')).not.toContain(key);
    expect(out.join('')).toContain('[REDACTED]');
  });
});

describe("the CLI's key check is the function's", () => {
  it('a 403 is a permission problem, not a rejected key', async () => {
    const check = await checkWithRingg(
      contextAnswering({ kind: 'status', status: 403, retryAfterMs: undefined }),
      'k-1',
    );
    expect(check).toEqual({
      kind: 'unavailable',
      detail: expect.stringMatching(/HTTP 403.*permission problem, not a rejected key/),
    });
  });

  it('a 401 is a rejected key', async () => {
    expect(
      await checkWithRingg(contextAnswering({ kind: 'status', status: 401, retryAfterMs: undefined }), 'k-1'),
    ).toEqual({
      kind: 'rejected',
      status: 401,
    });
  });

  it('retries 5xx like the function, then reports the workspace', async () => {
    const check = await checkWithRingg(
      contextAnswering(
        { kind: 'status', status: 502, retryAfterMs: undefined },
        { kind: 'ok', workspaceId: 'ws-1', apiKey: 'k-1' },
      ),
      'k-1',
    );
    expect(check).toEqual({ kind: 'valid', workspaceId: 'ws-1' });
  });
});
