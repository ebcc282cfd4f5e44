import { type CommandSpec, UsageError } from './command-spec.js';
import { ALL_OPTION, functionOption } from './command-values.js';
import { DOCTOR_FINDINGS, DoctorUsageError, doctorCommandOf } from './doctor-args.js';
import { EXIT } from './exit-codes.js';

export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary:
    'Read-only: will the next rotation of these secrets work? Exit 0 when every secret is ready, 1 when any needs action.',
  usage: [
    '--secret-id <name|arn> [--secret-id <name|arn> ...] [--function <name|arn>]',
    '--all --function <name|arn> [--markdown-summary <file>]',
  ],
  description: `Checks each secret the way its rotation function would before regenerating, without changing
anything: no regenerate, no write to Secrets Manager or Parameter Store, no key printed (only
fingerprints). Run it after a deploy, before an incident rotation, and when a rotation failed.
With --output json: {"secrets":[{"secretId","ready","findings":[{"code","message"}],"notChecked":[...]}]}

${DOCTOR_FINDINGS}`,
  options: [
    {
      name: 'secret-id',
      type: 'string',
      multiple: true,
      arg: '<name|arn>',
      help: "A secret's name or ARN; repeatable.",
    },
    ALL_OPTION,
    functionOption('. Needed by --all; with --secret-id, a secret rotated by another is a finding.'),
    {
      name: 'markdown-summary',
      type: 'string',
      arg: '<file>',
      help: 'Append the table as Markdown to <file> (e.g. "$GITHUB_STEP_SUMMARY").',
    },
  ],
  aws: true,
  // Each secret's own problem (not found, no access) is its finding; the setup is diagnosed per run.
  checkAwsSetupFirst: false,
  readOnly: true,
  exitCodes: [EXIT.ok, EXIT.failed, EXIT.usage, EXIT.configuration, EXIT.interrupted],
  parse(values, common) {
    let input: ReturnType<typeof doctorCommandOf>;
    try {
      input = doctorCommandOf(values, common.json);
    } catch (error) {
      if (error instanceof DoctorUsageError) throw new UsageError(error.message);
      throw error;
    }
    return {
      name: 'doctor',
      json: common.json,
      secretId: undefined,
      input: { ...input },
      run: async (ctx) => (await import('./doctor.js')).doctor(ctx, input),
    };
  },
};
