import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type AwsSelection, regionProblem } from './aws-options.js';
import { type CommandSpec, type OptionSpec, type PreparedCommand, UsageError } from './command-spec.js';
import { COMMANDS, findCommand } from './commands.js';
import { AWS_OPTIONS, COMMON_OPTIONS, parseCommonOptions, VERSION_OPTION } from './common-options.js';

export { UsageError };

/** What the command line asks for. */
export type Invocation =
  | { readonly kind: 'help'; readonly command?: CommandSpec }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'run';
      readonly spec: CommandSpec;
      readonly command: PreparedCommand;
      readonly aws: AwsSelection;
    };

/** The options a command accepts: its own, the common ones, and --region/--profile if it calls AWS. */
export function optionsOf(spec: CommandSpec): readonly OptionSpec[] {
  return [...spec.options, ...(spec.aws ? AWS_OPTIONS : []), ...COMMON_OPTIONS];
}

/**
 * One parser for every command, so options may come before or after the command name as with the
 * AWS CLI (`ringg-rotate --region eu-west-1 status ...`); an option must then belong to the command.
 */
const ALL_OPTIONS = unionOfOptions([
  VERSION_OPTION,
  ...COMMON_OPTIONS,
  ...AWS_OPTIONS,
  ...COMMANDS.flatMap((command) => command.options),
]);

export function parseInvocation(argv: readonly string[]): Invocation {
  // -v was the version flag before -V (the AWS CLI has neither; -V is the common convention).
  const args = argv.map((arg) => (arg === '-v' ? '--version' : arg));
  const wantsHelp = args.includes('--help') || args.includes('-h');
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args, strict: true, allowPositionals: true, options: ALL_OPTIONS });
    values = parsed.values as typeof values;
    positionals = parsed.positionals;
  } catch (error) {
    const guess = findCommand(args.find((arg) => !arg.startsWith('-')));
    if (wantsHelp) return { kind: 'help', command: guess };
    throw new UsageError(withHint(error instanceof Error ? error.message : String(error), guess));
  }

  const [name, ...extra] = positionals;
  if (name === 'help') {
    if (extra[0] === undefined) return { kind: 'help' };
    return { kind: 'help', command: known(extra[0]) };
  }
  if (values.version === true) {
    if (args.length > 1) throw new UsageError('--version takes no arguments (ringg-rotate --help).');
    return { kind: 'version' };
  }
  if (name === undefined) {
    if (wantsHelp || args.length === 0) return { kind: 'help' };
    throw new UsageError('No command given (ringg-rotate --help lists them).');
  }
  const spec = known(name);
  if (values.help === true) return { kind: 'help', command: spec };
  try {
    if (extra.length > 0) {
      throw new UsageError(`Unexpected argument "${extra[0]}": options start with --.`);
    }
    const accepted = new Set(optionsOf(spec).map((option) => option.name));
    for (const [option, value] of Object.entries(values)) {
      if (value !== undefined && !accepted.has(option)) {
        throw new UsageError(`--${option} does not apply to ${spec.name}.`);
      }
    }
    const common = parseCommonOptions(values);
    const aws = spec.aws ? parseAwsSelection(values) : {};
    return { kind: 'run', spec, command: spec.parse(values, common), aws };
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(withHint(error.message, spec));
    throw error;
  }
}

function known(name: string): CommandSpec {
  const spec = findCommand(name);
  if (!spec) {
    const names = COMMANDS.map((command) => command.name);
    throw new UsageError(
      `Unknown command "${name}". Use ${names.slice(0, -1).join(', ')} or ${names.at(-1)} (ringg-rotate --help).`,
    );
  }
  return spec;
}

function parseAwsSelection(values: Record<string, unknown>): AwsSelection {
  const region = typeof values.region === 'string' ? values.region.trim() : undefined;
  const profile = typeof values.profile === 'string' ? values.profile.trim() : undefined;
  if (region === '') throw new UsageError('--region needs a Region code such as eu-west-1.');
  if (region !== undefined) {
    const problem = regionProblem(region);
    if (problem) throw new UsageError(problem);
  }
  if (profile === '') throw new UsageError('--profile needs the name of a profile in ~/.aws/config.');
  return { region, profile };
}

function withHint(message: string, spec: CommandSpec | undefined): string {
  const help = spec ? `ringg-rotate ${spec.name} --help` : 'ringg-rotate --help';
  const text = message.trimEnd();
  return `${/[.!?)]$/.test(text) ? text : `${text}.`} (${help})`;
}

function unionOfOptions(options: readonly OptionSpec[]): NonNullable<ParseArgsConfig['options']> {
  const union: NonNullable<ParseArgsConfig['options']> = {};
  for (const option of options) {
    const config = {
      type: option.type,
      ...(option.multiple ? { multiple: true } : {}),
      ...(option.short ? { short: option.short } : {}),
    };
    const seen = union[option.name];
    if (seen && JSON.stringify(seen) !== JSON.stringify(config)) {
      // One parser for all commands: an option name must mean the same kind of value everywhere.
      throw new Error(
        `--${option.name} is declared as ${JSON.stringify(seen)} and ${JSON.stringify(config)}`,
      );
    }
    union[option.name] = config;
  }
  return union;
}
