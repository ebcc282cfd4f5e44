import type { Invocation } from './args.js';
import { resolveAwsSettings } from './aws-options.js';
import { type ConfigurationProblem, checkAwsSetup, configurationProblem } from './aws-setup.js';
import { type CliContext, createCliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { InterruptedError, interruptReport, throwIfInterrupted, whenInterrupted } from './interrupt.js';
import type { CliIo, OutputStream } from './io.js';

/**
 * Runs a parsed command with its AWS clients: the AWS setup check first, then the command. Maps what
 * goes wrong to an exit code: a configuration problem (78) with its hint, any other failure (1), an
 * interrupt (130) with what is still running in AWS. Loaded only for a command, never for --help.
 */
export async function execute(
  invocation: Extract<Invocation, { kind: 'run' }>,
  io: CliIo,
): Promise<ExitCode> {
  const { command, spec } = invocation;
  const secretId = command.secretId;
  const gate = gatedIo(io);
  const stop = (problem: ConfigurationProblem, when: 'before' | 'during' = 'before'): ExitCode => {
    const io = gate.io; // silent once an interrupt has been reported
    const effect =
      when === 'before' || spec.readOnly
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
    ctx = createCliContext(gate.io, resolveAwsSettings(invocation.aws, io.env));
  } catch (error) {
    return stop({
      code: 'invalid-environment',
      message: error instanceof Error ? error.message : String(error),
      hint: 'Fix or unset that environment variable (ringg-rotate --help lists the ones read).',
    });
  }
  const context = ctx;
  const interrupted = () => {
    // Whatever the command still does in the background prints nothing more.
    gate.close();
    const running = context.running.list();
    io.stderr.write(`${interruptReport(running).join('\n')}\n`);
    if (command.json) {
      io.stdout.write(
        `${JSON.stringify({ command: command.name, result: 'interrupted', running }, null, 2)}\n`,
      );
    }
    return EXIT.interrupted;
  };
  let aborted = false;
  try {
    throwIfInterrupted(io);
    const work = (async () => {
      if (spec.aws && spec.checkAwsSetupFirst !== false) {
        const problem = await checkAwsSetup(context, secretId);
        if (problem) return stop(problem);
      }
      throwIfInterrupted(io);
      return await command.run(context);
    })();
    const first = await Promise.race([work, whenInterrupted(io)]);
    if (first === 'interrupted') {
      aborted = true;
      return interrupted();
    }
    return first;
  } catch (error) {
    if (error instanceof InterruptedError) {
      aborted = true;
      return interrupted();
    }
    const problem = await configurationProblem(error, context, secretId);
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
    await context.close({ abort: aborted });
  }
}

/** The io with a switch that silences it, for work left running after the command has reported. */
function gatedIo(io: CliIo): { io: CliIo; close(): void } {
  let open = true;
  const gated = (stream: OutputStream): OutputStream => ({
    write: (text: string) => (open ? stream.write(text) : true),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  });
  return {
    io: { ...io, stdout: gated(io.stdout), stderr: gated(io.stderr) },
    close: () => {
      open = false;
    },
  };
}
