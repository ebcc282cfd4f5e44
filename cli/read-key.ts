import { InterruptedError } from './interrupt.js';
import type { CliIo } from './io.js';

/**
 * Reads a key from standard input: on a terminal, one line typed or pasted without echo; otherwise
 * everything piped in. Never from arguments or the environment, which leak into shell history and `ps`.
 */
export async function readKeyFromStdin(io: CliIo, prompt: string): Promise<string> {
  const key = await readLine(io, prompt);
  io.redact?.(key);
  return key;
}

async function readLine(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  if (stdin.isTTY && stdin.setRawMode) {
    io.stderr.write(prompt);
    stdin.setRawMode(true);
    try {
      return await new Promise<string>((resolve, reject) => {
        let typed = '';
        const onData = (chunk: Buffer | string) => {
          for (const char of chunk.toString()) {
            // Ctrl-C in raw mode is a character, not SIGINT: the same interrupt (exit 130).
            if (char === '\u0003') return finish(new InterruptedError());
            if (char === '\r' || char === '\n' || char === '\u0004') return finish();
            if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
            else typed += char;
          }
        };
        const finish = (error?: Error) => {
          stdin.removeListener('data', onData);
          stdin.pause();
          io.stderr.write('\n');
          if (error) reject(error);
          else resolve(typed.trim());
        };
        stdin.on('data', onData);
        stdin.resume();
      });
    } finally {
      stdin.setRawMode(false);
    }
  }
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  return text.trim();
}
