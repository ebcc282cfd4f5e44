import { DEFAULT_PARAMETER_PREFIX, DEFAULT_RINGG_BASE_URL } from '../common/defaults.js';
import type { CommandSpec, OptionSpec } from './command-spec.js';
import { COMMANDS } from './commands.js';
import { AWS_OPTIONS, COMMON_OPTIONS, VERSION_OPTION } from './common-options.js';
import { BULK_EXIT_RULE, EXIT_CODE_MEANINGS, type ExitCode } from './exit-codes.js';

const PROGRAM = 'ringg-rotate';
const WIDTH = 100;
const FLAG_COLUMN = 24;

/** `ringg-rotate --help`: every command in a line or two, the common options, every exit code. */
export function globalHelp(): string {
  const nameWidth = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  return [
    `${PROGRAM}: rotate a Ringg workspace API key kept in AWS Secrets Manager, and see or fix its state.`,
    '',
    'Usage:',
    `  ${PROGRAM} <command> [options]`,
    `  ${PROGRAM} <command> --help     the command's options and exit codes (also: ${PROGRAM} help <command>)`,
    `  ${PROGRAM} -V | --version`,
    '',
    'Commands:',
    ...COMMANDS.flatMap((command) => hanging(`  ${command.name.padEnd(nameWidth)}`, command.summary)),
    '',
    'Options of every command:',
    ...optionLines(COMMON_OPTIONS),
    'Options of every command that calls AWS (all of the above):',
    ...optionLines(AWS_OPTIONS),
    'Without a command:',
    ...optionLines([VERSION_OPTION]),
    '',
    ...exitCodeLines(EXIT_CODE_MEANINGS.map((entry) => entry.code)),
    ...hanging('  ', BULK_EXIT_RULE),
    '',
    ...OUTPUT_AND_ENVIRONMENT,
  ].join('\n');
}

/** `ringg-rotate <command> --help`: the command's usage, what it does, its options and exit codes. */
export function commandHelp(spec: CommandSpec): string {
  // A usage line that starts with spaces continues the one before it.
  const prefix = `  ${PROGRAM} ${spec.name} `;
  const usage = spec.usage.map((line) =>
    line.startsWith(' ') ? `${' '.repeat(prefix.length)}${line.trimStart()}` : `${prefix}${line}`,
  );
  return [
    ...hanging('', `${PROGRAM} ${spec.name}: ${spec.summary}`),
    '',
    'Usage:',
    ...usage,
    `  (with any of: ${[...(spec.aws ? AWS_OPTIONS : []), ...COMMON_OPTIONS]
      .map((option) => `--${option.name}`)
      .join(', ')})`,
    '',
    spec.description,
    '',
    'Options:',
    ...optionLines(spec.options),
    ...(spec.aws ? ['AWS (as the AWS CLI):', ...optionLines(AWS_OPTIONS)] : []),
    'Output:',
    ...optionLines(COMMON_OPTIONS),
    '',
    ...exitCodeLines(spec.exitCodes),
    ...(spec.name === 'rotate' ? hanging('  ', BULK_EXIT_RULE) : []),
    '',
    ...OUTPUT_AND_ENVIRONMENT,
  ].join('\n');
}

const OUTPUT_AND_ENVIRONMENT = [
  'Output: results on stdout; progress, refusals, failures and hints on stderr. With --output json,',
  'stdout holds one JSON object and stderr only refusals, failures and hints. A key is never printed.',
  '',
  'Environment: AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, the SDK’s standard credentials and',
  `AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>; RINGG_BASE_URL (default ${DEFAULT_RINGG_BASE_URL})`,
  `and ROTATION_PARAMETER_PREFIX (default ${DEFAULT_PARAMETER_PREFIX}), as for the function.`,
  '',
];

function exitCodeLines(codes: readonly ExitCode[]): string[] {
  return [
    'Exit codes:',
    ...EXIT_CODE_MEANINGS.filter((entry) => codes.includes(entry.code)).flatMap((entry) =>
      hanging(`  ${String(entry.code).padEnd(5)}`, entry.meaning),
    ),
  ];
}

function optionLines(options: readonly OptionSpec[]): string[] {
  return options.flatMap((option) => {
    const flags = `${option.short ? `-${option.short}, ` : ''}--${option.name}${option.arg ? ` ${option.arg}` : ''}`;
    const lead = `  ${flags}`;
    if (lead.length >= FLAG_COLUMN) return [lead, ...hanging(' '.repeat(FLAG_COLUMN), option.help)];
    return hanging(lead.padEnd(FLAG_COLUMN), option.help);
  });
}

/** `text` after `lead`, wrapped at WIDTH, continuation lines indented to the lead's width. */
function hanging(lead: string, text: string): string[] {
  const indent = ' '.repeat(lead.length);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((text, index) => `${index === 0 ? lead : indent}${text}`);
}
