import { HELP, parseCommand, UsageError } from './args.js';
import { type ConfigurationProblem, checkAwsSetup, configurationProblem } from './aws-setup.js';
import { bulkRotate } from './bulk-rotate.js';
import { type CliContext, createCliContext } from './context.js';
import { doctor } from './doctor.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { recover } from './recover.js';
import { rotate } from './rotate.js';
import { status } from './status.js';
import { packageVersion } from './version.js';

const REDACTED = '[REDACTED]';

/**
 * The process's output with every registered key masked, whatever path it takes: command output, a
 * usage error, or an SDK message echoed in a failure.
 */
export function scrubbingIo(io: CliIo): CliIo {
  const secrets = new Set<string>();
  const scrub = (text: string) => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    return out;
  };
  return {
    ...io,
    stdout: { write: (text: string) => io.stdout.write(scrub(text)), isTTY: io.stdout.isTTY },
    stderr: { write: (text: string) => io.stderr.write(scrub(text)) },
    redact: (secret: string) => {
      if (secret.length >= 4) secrets.add(secret);
      io.redact?.(secret);
    },
  };
}

/** Runs one command and returns its exit code; never prints a key. */
export async function run(argv: string[], rawIo: CliIo): Promise<ExitCode> {
  const io = scrubbingIo(rawIo);
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return EXIT.usage;
  }
  if (command.name === 'help') {
    io.stdout.write(command.text ?? HELP);
    return EXIT.ok;
  }
  if (command.name === 'version') {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  // Several secrets (and doctor, for one too): each secret's own problem is its entry's, not the run's.
  const secretId = command.name === 'bulk-rotate' || command.name === 'doctor' ? undefined : command.secretId;
  const stop = (problem: ConfigurationProblem, when: 'before' | 'during' = 'before'): ExitCode => {
    const effect =
      when === 'before' || command.name === 'doctor'
        ? 'Nothing was changed.'
        : `The ${command.name} command stopped part-way; ringg-rotate status --secret-id ${secretId ?? '<id>'} shows where things are.`;
    io.stderr.write(`Configuration problem: ${problem.message} ${effect}\nHint: ${problem.hint}\n`);
    if (command.json) {
      io.stdout.write(
        `${JSON.stringify({ command: command.name, result: 'configuration-error', error: problem }, null, 2)}\n`,
      );
    }
    return EXIT.configuration;
  };
  let ctx: CliContext;
  try {
    ctx = createCliContext(io);
  } catch (error) {
    return stop({
      code: 'invalid-environment',
      message: error instanceof Error ? error.message : String(error),
      hint: 'Fix or unset that environment variable (ringg-rotate --help lists the ones read).',
    });
  }
  try {
    const problem = await checkAwsSetup(ctx, secretId);
    if (problem) return stop(problem);
    if (command.name === 'rotate') return await rotate(ctx, command);
    if (command.name === 'bulk-rotate') return await bulkRotate(ctx, command);
    if (command.name === 'status') return await status(ctx, command);
    if (command.name === 'doctor') return await doctor(ctx, command);
    return await recover(ctx, command);
  } catch (error) {
    const problem = await configurationProblem(error, ctx, secretId);
    if (problem) return stop(problem, 'during');
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${command.name} failed: ${name}: ${message}\n`);
    if (command.json)
      io.stdout.write(
        `${JSON.stringify({ command: command.name, result: 'error', error: { code: name, message } })}\n`,
      );
    return EXIT.failed;
  } finally {
    await ctx.close();
  }
}
