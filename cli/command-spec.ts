import type { CliContext } from './context.js';
import type { ExitCode } from './exit-codes.js';

/**
 * What a command is, for the parser and the help: its options, its help text, and how to run it.
 * A command is added by writing one of these (cli/<name>-command.ts) and listing it in cli/commands.ts.
 * This module and the specs load no AWS SDK and no undici: `run` imports the command's modules when
 * it is called, so that `--help` and `--version` stay fast.
 */
export interface CommandSpec {
  readonly name: string;
  /** One or two lines for the global help's command list. */
  readonly summary: string;
  /** The usage lines, each after `ringg-rotate <name> `. */
  readonly usage: readonly string[];
  /** What the command does, for its own help. */
  readonly description: string;
  /** The command's own options; the common ones (--output, --json, --help) come with every command. */
  readonly options: readonly OptionSpec[];
  /** The command calls AWS: it takes --region and --profile, and the AWS setup is checked before it runs. */
  readonly aws: boolean;
  /**
   * For a command that calls AWS: whether the region, the credentials and the secret are checked before
   * it runs, a problem ending it with exit 78 (default true). A command that diagnoses the setup itself
   * sets false and gets its clients all the same.
   */
  readonly checkAwsSetupFirst?: boolean;
  /** The command changes nothing: a problem met part-way still leaves everything as it was. */
  readonly readOnly?: boolean;
  /** The exit codes this command can end with, for its help. */
  readonly exitCodes: readonly ExitCode[];
  /** Validates the parsed options; throws UsageError naming what is wrong. */
  parse(values: OptionValues, common: CommonOptions): PreparedCommand;
}

export interface OptionSpec {
  /** The long name, without `--`. */
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** The placeholder shown after the flag in the help, e.g. `<seconds>`. */
  readonly arg?: string;
  /** The help text; may span lines. */
  readonly help: string;
}

export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

export interface CommonOptions {
  /** --output json (or --json): one JSON object on stdout instead of text. */
  readonly json: boolean;
}

/** A command line that parsed: ready to run once the CLI has its AWS clients. */
export interface PreparedCommand {
  readonly name: string;
  readonly json: boolean;
  /** The one secret the command is about, checked to exist before it runs; undefined for none or several. */
  readonly secretId: string | undefined;
  /** The parsed options, as the command's module receives them. */
  readonly input: Readonly<Record<string, unknown>>;
  run(ctx: CliContext): Promise<ExitCode>;
}

export class UsageError extends Error {}
