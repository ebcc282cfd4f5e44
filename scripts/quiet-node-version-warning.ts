// The AWS SDK warns on Node 20 that its releases after January 2027 need Node 22. The figures'
// output stays readable without it; every other warning still shows.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
  if (!String(warning).includes('NodeVersionSupportWarning')) emitWarning(warning, ...rest);
}) as typeof process.emitWarning;
