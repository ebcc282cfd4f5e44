import { describe, expect, it } from 'vitest';
import { normalizeApiKey } from '../../common/secret-value.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { createHarness, type Harness, LAMBDA_ARN } from '../support/harness.js';
import { harnessPerTest } from '../support/invariants.js';

/**
 * Keys holding `"` and `\` (printable ASCII: the key rule accepts them), rotated by the real handler,
 * while an AWS error quotes the secret value back (as validation errors of some services do). No
 * trace of any key may be left in the log, in a tag or parameter, or in the error the handler throws (which
 * the Lambda runtime logs itself).
 */
let h: Harness;
const startHarness = harnessPerTest(createHarness);

const forms = (key: string) => [key, JSON.stringify(key).slice(1, -1)];

describe('a rotation whose keys hold " and \\', () => {
  it('leaves no trace of them in any output, the error the handler throws included', async () => {
    h = await startHarness();
    let issued = 0;
    h.ringg.issueKeysAs = () => `n"ew\\key"${++issued}\\"-e89b12d3-a456-426c-8001`;
    const current = 'cu"rr\\ent"\\key-7251cb4b-3373-43a4-844c-b27a1d45e0c9';
    expect(normalizeApiKey(current)).toEqual({ ok: true, key: current });
    const workspace = h.ringg.addWorkspace({ key: current });
    const secretId = 'ringg/quoted';
    const secretString = JSON.stringify({ apiKey: current, username: 'ops' });
    h.model.createSecret({ Name: secretId, SecretString: secretString });
    h.model.enableRotation(secretId, LAMBDA_ARN);
    // The first TagResource fails with a message quoting the secret value, raw and JSON-escaped.
    h.model.injectFault({
      operation: 'TagResource',
      times: 1,
      error: new AwsServiceError(
        'ValidationException',
        `Tagging rejected for a secret holding ${secretString} (key ${current})`,
      ),
    });

    const thrown: unknown[] = [];
    const report = await h.rotate(secretId, {
      maxAttempts: 2,
      deliver: async (event) => {
        try {
          return await h.invoke(event);
        } catch (error) {
          thrown.push(error);
          throw error;
        }
      },
    });

    expect(report.succeeded).toBe(true);
    expect(thrown).toHaveLength(1);
    const error = thrown[0] as Error & { code?: string };
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(
      /^Tagging rejected for a secret holding \{"apiKey":"\[REDACTED\]","username":"ops"\} \(key \[REDACTED\]\)$/,
    );
    const newKey = h.ringg.liveKey(workspace.id);
    expect(newKey).toMatch(/^n"ew\\key"\d+\\"/);

    const keys = [current, ...h.ringg.issuedKeys];
    // What the rotation left for operators: the secret's tags (the failure tag while it failed) and any
    // parameter. The failure tag was written by the failed attempt and removed when the rotation finished.
    const tags = (h.model.describeSecret({ SecretId: secretId }).Tags ?? []).map(
      (t) => `${t.Key}=${t.Value}`,
    );
    const parameters = [...h.ssm.parameters.values()].map((parameter) => parameter.value ?? '');
    const output = [
      ...h.logs,
      ...thrown.flatMap((e) => [String((e as Error).message), String((e as Error).stack), JSON.stringify(e)]),
      ...tags,
      ...parameters,
    ];
    expect(h.logs.some((line) => line.includes('"errorCode":"ValidationException"'))).toBe(true);
    expect(output.join('\n')).toContain('[REDACTED]');
    const traces = output.filter((text) =>
      keys.some((key) => forms(key).some((form) => text.includes(form))),
    );
    expect(traces).toEqual([]);
  });
});
