/**
 * The AWS SDK warns on every run on Node.js 20 that its releases after January 2027 need Node.js 22
 * (process.emitWarning, 9 lines on stderr). The CLI, the demo, the benchmark and `npm run local` drop
 * that one warning and keep all others.
 */
export function dropSdkNodeVersionWarning(target: Pick<NodeJS.Process, 'emitWarning'> = process): void {
  const emitWarning = target.emitWarning.bind(target);
  target.emitWarning = ((warning: string | Error, ...rest: never[]) => {
    if (!isSdkNodeVersionWarning(warning)) emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}

export function isSdkNodeVersionWarning(warning: string | Error): boolean {
  return typeof warning === 'string'
    ? warning.startsWith('NodeVersionSupportWarning')
    : warning.name === 'NodeVersionSupportWarning';
}
