import type { CliIo, OutputStream } from './io.js';

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
    stdout: scrubbed(io.stdout, scrub),
    stderr: scrubbed(io.stderr, scrub),
    redact: (secret: string) => {
      if (secret.length >= 4) secrets.add(secret);
      io.redact?.(secret);
    },
  };
}

function scrubbed(stream: OutputStream, scrub: (text: string) => string): OutputStream {
  return {
    write: (text: string) => stream.write(scrub(text)),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  };
}
