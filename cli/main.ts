import { HELP, parseCommand, UsageError } from './args.js';
import { bulkRotate } from './bulk-rotate.js';
import { createCliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { recover } from './recover.js';
import { rotate } from './rotate.js';
import { status } from './status.js';

/** Runs one command and returns its exit code; never prints a key. */
export async function run(argv: string[], io: CliIo): Promise<ExitCode> {
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return EXIT.usage;
  }
  if (command.name === 'help') {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  let ctx: ReturnType<typeof createCliContext>;
  try {
    ctx = createCliContext(io);
  } catch (error) {
    io.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
  try {
    if (command.name === 'rotate') return await rotate(ctx, command);
    if (command.name === 'bulk-rotate') return await bulkRotate(ctx, command);
    if (command.name === 'status') return await status(ctx, command);
    return await recover(ctx, command);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${command.name} failed: ${name}: ${message}\n`);
    if (command.json)
      io.stdout.write(
        `${JSON.stringify({ command: command.name, result: 'error', error: { code: name, message } })}\n`,
      );
    return name === 'ResourceNotFoundException' || name === 'AccessDeniedException'
      ? EXIT.refused
      : EXIT.failed;
  } finally {
    await ctx.close();
  }
}
