import { parseInvocation, UsageError } from './args.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { commandHelp, globalHelp } from './help.js';
import type { CliIo } from './io.js';
import { scrubbingIo } from './scrubbing-io.js';
import { packageVersion } from './version.js';

/**
 * Runs one command line and returns its exit code; never prints a key. --help and --version load
 * nothing but the command table: the AWS SDK and undici come with ./execute.js, for a command.
 */
export async function run(argv: string[], rawIo: CliIo): Promise<ExitCode> {
  const io = scrubbingIo(rawIo);
  let invocation: ReturnType<typeof parseInvocation>;
  try {
    invocation = parseInvocation(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return EXIT.usage;
  }
  switch (invocation.kind) {
    case 'help':
      io.stdout.write(invocation.command ? commandHelp(invocation.command) : globalHelp());
      return EXIT.ok;
    case 'version':
      io.stdout.write(`${packageVersion()}\n`);
      return EXIT.ok;
    case 'run': {
      const { execute } = await import('./execute.js');
      return execute(invocation, io);
    }
  }
}
