/**
 * The AWS SDK warns on every run that its releases after January 2027 need Node.js 22; the function
 * runs on 24. The demo, the benchmark and `npm run local` drop that one warning and keep all others.
 */
export function dropSdkNodeVersionWarning(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
    if (!String(warning).includes('NodeVersionSupportWarning')) emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
