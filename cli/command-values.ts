import { type OptionSpec, type OptionValues, UsageError } from './command-spec.js';

/** --secret-id, which every command about a secret takes (parsed as repeatable by all, for one parser). */
export function secretIdOption(help: string): OptionSpec {
  return { name: 'secret-id', type: 'string', multiple: true, arg: '<name|arn>', help };
}

/** --all: every secret the project's rotation function rotates. */
export const ALL_OPTION: OptionSpec = {
  name: 'all',
  type: 'boolean',
  help: 'Every secret whose rotation function is --function (ListSecrets).',
};

/** --function: this project's rotation function; `use` says what the command does with it. */
export function functionOption(use: string): OptionSpec {
  return {
    name: 'function',
    type: 'string',
    arg: '<name|arn>',
    help: `This project's rotation function (stack output FunctionName or FunctionArn)${use}`,
  };
}

/** The --secret-id values given, trimmed, each once. */
export function secretIds(values: OptionValues): string[] {
  return [...new Set(((values['secret-id'] as string[] | undefined) ?? []).map((id) => id.trim()))];
}

/** Exactly one --secret-id, for commands about one secret. */
export function oneSecretId(command: string, values: OptionValues): string {
  const ids = secretIds(values);
  if (ids.length > 1) throw new UsageError(`${command} takes one --secret-id.`);
  const id = ids[0] ?? '';
  if (id === '') throw new UsageError(`${command} needs --secret-id <name or ARN>.`);
  return id;
}

/** --timeout in whole seconds, 1 to 86400 (default 300). */
export function timeoutSeconds(values: OptionValues): number {
  const timeout = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86_400) {
    throw new UsageError(
      `--timeout "${String(values.timeout)}" must be a whole number of seconds from 1 to 86400.`,
    );
  }
  return timeout;
}
