// A full rotation on a laptop: the real handler, the real AWS SDK over HTTP to local Secrets Manager
// and SSM stand-ins, and a local Ringg. `npm run demo -- --fault <name>` shows a fault being handled.
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { dropSdkNodeVersionWarning } from '../cli/sdk-warning.js';
import { fingerprint } from '../common/fingerprint.js';
import { parseSecretValue } from '../common/secret-value.js';
import { FAILURE_TAG_KEY, parseFailureTag } from '../common/workspace-tag.js';
import { DEMO_FAULTS, type DemoFault } from '../dev/demo-faults.js';
import { LOCAL_FUNCTION_ARN, startLocalEnvironment } from '../dev/local-environment.js';
import type { StepReport } from '../dev/rotation-driver.js';
import { StdoutCapture } from '../dev/stdout-capture.js';
import { parseScriptArgs } from './script-args.js';

const SECRET = 'ringg/demo';

dropSdkNodeVersionWarning();
const FAULT_LIST = Object.entries(DEMO_FAULTS).map(([name, f]) => `  ${name.padEnd(22)} ${f.summary}`);
const USAGE = `Usage: npm run demo -- [--fault <name>] [--verbose]

A full rotation on this machine. --fault shows how a fault is handled; --verbose also prints the
function's own JSON log lines.

Faults:
${FAULT_LIST.join('\n')}
`;
const { fault: faultName, verbose = false } = parseScriptArgs(USAGE, {
  fault: { type: 'string' },
  verbose: { type: 'boolean' },
});
if (faultName !== undefined && !(faultName in DEMO_FAULTS)) {
  process.stderr.write(`Unknown fault "${faultName}".\n\n${USAGE}`);
  process.exit(64);
}

const fault: DemoFault | undefined = faultName ? DEMO_FAULTS[faultName] : undefined;
const capture = new StdoutCapture(() => verbose);
const out = (line = '') => capture.print(`${line}\n`);
const started = performance.now();
const clock = () => `+${((performance.now() - started) / 1000).toFixed(3)}s`.padStart(9);
const checks: [string, boolean][] = [];
const check = (what: string, ok: boolean) => {
  checks.push([what, ok]);
  out(`  ${ok ? '✓' : '✗'} ${what}`);
};

/** The function's own log line for a step, as CloudWatch would show it. */
function logLineFor(report: StepReport): Record<string, unknown> | undefined {
  for (let i = capture.lines.length - 1; i >= 0; i--) {
    try {
      const line = JSON.parse(capture.lines[i] ?? '') as Record<string, unknown>;
      if (line.step === report.step && (line.message === 'step succeeded' || line.message === 'step failed'))
        return line;
    } catch {
      // not a log line of the function
    }
  }
  return undefined;
}

/** The step whose log line says it moved AWSCURRENT. */
let promotedIn: string | undefined;

function onStep(_secret: string, report: StepReport): void {
  const line = logLineFor(report);
  if (line?.promotion === 'promoted' && promotedIn === undefined) promotedIn = report.step;
  const outcome = report.ok ? String(line?.outcome ?? 'ok') : String(line?.errorCode ?? report.error?.name);
  const statuses =
    Array.isArray(line?.ringgStatuses) && line.ringgStatuses.length
      ? `  ringg ${line.ringgStatuses.join(',')}`
      : '';
  const promotion =
    line?.promotion === 'promoted'
      ? '  → AWSCURRENT moved to the new version'
      : line?.promotion === 'deferred'
        ? `  → AWSCURRENT not moved yet: ${String(line.promotionDeferredBecause)}`
        : '';
  out(
    `${clock()}  attempt ${report.attempt}  ${report.step.padEnd(13)} ${report.ok ? 'ok    ' : 'FAILED'} ${`${Math.round(report.durationMs)} ms`.padStart(7)}  ${outcome}${statuses}${promotion}`,
  );
  if (!report.ok && report.error) out(`             ${report.error.message}`);
}

async function main(): Promise<number> {
  const env = await startLocalEnvironment({
    loadHandler: () => import('../lambda/handler.js'),
    env: fault?.env,
    onStep,
  });
  try {
    const sm = new SecretsManagerClient({});
    const ssm = new SSMClient({});
    const workspace = env.ringg.addWorkspace({ name: "Acme's Workspace" });
    await sm.send(
      new CreateSecretCommand({
        Name: SECRET,
        SecretString: JSON.stringify({ apiKey: workspace.key, service: 'demo' }),
      }),
    );
    const before = await sm.send(new DescribeSecretCommand({ SecretId: SECRET }));
    const oldVersion = Object.keys(before.VersionIdsToStages ?? {})[0];

    out('Ringg key rotation, local demo');
    out(`  Ringg stand-in           ${env.ringg.baseUrl()}`);
    out(`  Secrets Manager and SSM  ${env.endpoint} (AWS JSON 1.1)`);
    out(`  secret                   ${SECRET}  (JSON format, key ${fingerprint(workspace.key)})`);
    if (fault) out(`  fault                    ${faultName}: ${fault.summary}`);
    out();

    fault?.setup(env, workspace.id);
    const liveAtStart = env.ringg.liveKey(workspace.id);
    const rotate = await sm.send(
      new RotateSecretCommand({
        SecretId: SECRET,
        RotationLambdaARN: LOCAL_FUNCTION_ARN,
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediately: true,
      }),
    );
    const token = rotate.VersionId ?? '';
    out(`${clock()}  RotateSecret accepted: version ${token}`);
    const report = await env.aws.rotations.get(token);
    out(
      `${clock()}  rotation ${report && 'succeeded' in report && report.succeeded ? 'complete' : 'stopped'}`,
    );
    out();

    const current = parseSecretValue(
      (await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString,
    );
    const currentKey = current.ok ? current.value.apiKey : undefined;
    const described = await sm.send(new DescribeSecretCommand({ SecretId: SECRET }));
    const labels = described.VersionIdsToStages ?? {};
    const failure = parseFailureTag(described.Tags?.find((t) => t.Key === FAILURE_TAG_KEY)?.Value);
    const holder = (stage: string) => Object.entries(labels).find(([, s]) => s.includes(stage))?.[0];
    const works = async (key: string | undefined) =>
      key !== undefined &&
      (await fetch(`${env.ringg.baseUrl()}/workspace`, { headers: { 'x-api-key': key } }).then(
        (r) => r.status,
      )) === 200;
    const records =
      (
        await ssm.send(new GetParametersByPathCommand({ Path: '/ringg-rotation', Recursive: true }))
      ).Parameters?.map((p) => p.Name ?? '').filter((name) => name.includes('/rotation/')) ?? [];

    out('Result');
    out(`  AWSCURRENT   ${holder('AWSCURRENT')}  key ${fingerprint(currentKey)}`);
    out(`  AWSPREVIOUS  ${holder('AWSPREVIOUS') ?? '(none)'}`);
    out(`  AWSPENDING   ${holder('AWSPENDING') ?? '(none)'}`);
    out(
      `  last failure ${failure ? `${failure.code} in ${failure.step}` : '(none)'} (tag ringg-rotation:last-failure)`,
    );
    out(`  records      ${records.length} rotation record(s) left in Parameter Store`);
    out(`  promotion    ${promotedIn ? `in ${promotedIn}` : '(none)'}`);
    out(`  regenerates  ${env.ringg.regenerations()} at Ringg`);
    out();
    out('Checks');
    check(
      `Ringg saw ${fault?.regenerations ?? 1} regenerate(s)`,
      env.ringg.regenerations() === (fault?.regenerations ?? 1),
    );

    if (!fault || fault.expect === 'rotated') {
      check(
        'AWSCURRENT is the rotation’s version, AWSPREVIOUS the old one, no AWSPENDING left',
        holder('AWSCURRENT') === token &&
          holder('AWSPREVIOUS') === oldVersion &&
          holder('AWSPENDING') === undefined,
      );
      check('the new key works at Ringg (GET /workspace 200)', await works(currentKey));
      check('the new key is Ringg’s live key', currentKey === env.ringg.liveKey(workspace.id));
      check('the old key is dead (401)', !(await works(workspace.key)));
      check(
        'the JSON format and its other fields are kept',
        current.ok && current.value.format === 'json' && current.value.fields?.service === 'demo',
      );
      check('no rotation record and no failure tag are left', records.length === 0 && failure === undefined);
      check(
        `AWSCURRENT was moved in ${fault?.promotedIn ?? 'setSecret'}${(fault?.promotedIn ?? 'setSecret') === 'setSecret' ? ', the moment Ringg accepted the new key' : ''}`,
        promotedIn === (fault?.promotedIn ?? 'setSecret'),
      );
    } else {
      const code = failure?.code;
      check(`the rotation stopped with ${fault.expect}`, code === fault.expect);
      check('AWSCURRENT was not moved', holder('AWSCURRENT') === oldVersion);
      if (fault.regenerations === 0) {
        check('nothing was changed at Ringg', env.ringg.liveKey(workspace.id) === liveAtStart);
      }
      if (fault.expect === 'new-key-lost') await recoverLostKey(sm, env, workspace.id, works, check);
    }
    const keys = env.ringg.issuedKeys;
    check(
      'no key appears in any log line the function wrote',
      !capture.lines.some((l) => keys.some((k) => l.includes(k))),
    );
  } finally {
    await env.stop();
  }
  const failed = checks.filter(([, ok]) => !ok).length;
  out();
  out(
    failed === 0
      ? `Demo passed in ${((performance.now() - started) / 1000).toFixed(1)} s.`
      : `Demo FAILED: ${failed} check(s) did not hold.`,
  );
  return failed === 0 ? 0 : 1;
}

/** The runbook "Key lost", done the way an operator would: regenerate in the dashboard, store as AWSCURRENT. */
async function recoverLostKey(
  sm: SecretsManagerClient,
  env: Awaited<ReturnType<typeof startLocalEnvironment>>,
  workspaceId: string,
  works: (key: string | undefined) => Promise<boolean>,
  check: (what: string, ok: boolean) => void,
) {
  out();
  out('Recovery (README runbook "Key lost"): regenerate in the Ringg dashboard, store it as AWSCURRENT');
  const fresh = env.ringg.regenerateInDashboard(workspaceId);
  const current = parseSecretValue(
    (await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString,
  );
  const fields = current.ok ? current.value.fields : {};
  await sm.send(
    new PutSecretValueCommand({
      SecretId: SECRET,
      SecretString: JSON.stringify({ ...fields, apiKey: fresh }),
    }),
  );
  const stored = parseSecretValue(
    (await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString,
  );
  const labels = (await sm.send(new DescribeSecretCommand({ SecretId: SECRET }))).VersionIdsToStages ?? {};
  check('after recovery AWSCURRENT holds a working key', stored.ok && (await works(stored.value.apiKey)));
  check(
    'the stuck rotation was abandoned (no AWSPENDING)',
    !Object.values(labels).some((s) => s.includes('AWSPENDING')),
  );
}

main()
  .then((code) => {
    capture.restore();
    process.exit(code);
  })
  .catch((error: unknown) => {
    capture.restore();
    process.stderr.write(`Demo crashed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
