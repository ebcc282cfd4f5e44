import { type CommonOptions, type OptionSpec, type OptionValues, UsageError } from './command-spec.js';

export const OUTPUT_FORMATS = ['text', 'json'] as const;

/** Options every command takes. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'output',
    type: 'string',
    arg: 'text|json',
    help: 'text (the default) for people; json: one JSON object on stdout, for scripts and CI.',
  },
  { name: 'json', type: 'boolean', help: 'The same as --output json.' },
  { name: 'help', short: 'h', type: 'boolean', help: "This command's help." },
];

/** Options of every command that calls AWS, with the AWS CLI's meaning and precedence. */
export const AWS_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'region',
    type: 'string',
    arg: '<region>',
    help: "The secret's AWS Region. Before AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region.",
  },
  {
    name: 'profile',
    type: 'string',
    arg: '<name>',
    help: 'A profile of the AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials), for its credentials and region. Before AWS_PROFILE.',
  },
];

/** Options that stand alone, without a command. */
export const VERSION_OPTION: OptionSpec = {
  name: 'version',
  short: 'V',
  type: 'boolean',
  help: 'The installed version of ringg-key-rotation (also -v).',
};

export function parseCommonOptions(values: OptionValues): CommonOptions {
  const output = values.output;
  if (output !== undefined && !OUTPUT_FORMATS.includes(output as (typeof OUTPUT_FORMATS)[number])) {
    throw new UsageError(`--output "${String(output)}" is not one of ${OUTPUT_FORMATS.join(', ')}.`);
  }
  if (values.json === true && output === 'text') {
    throw new UsageError('--json and --output text contradict each other: --json is --output json.');
  }
  return { json: values.json === true || output === 'json' };
}
