/**
 * "This project's rotation function", as given on the command line: a full Lambda ARN (matched
 * exactly, as Secrets Manager stores it in RotationLambdaARN) or a function name (matched against
 * the name in that ARN, whatever its account, region or qualifier).
 */
export type FunctionRef =
  | { readonly kind: 'arn'; readonly arn: string }
  | { readonly kind: 'name'; readonly name: string };

const ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(:[A-Za-z0-9$_-]+)?$/;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function parseFunctionRef(
  raw: string,
): { ok: true; ref: FunctionRef } | { ok: false; problem: string } {
  const value = raw.trim();
  if (ARN.test(value)) return { ok: true, ref: { kind: 'arn', arn: value } };
  if (NAME.test(value)) return { ok: true, ref: { kind: 'name', name: value } };
  return {
    ok: false,
    problem: `--function "${raw}" is neither a Lambda function name (letters, digits, - and _, up to 64) nor a function ARN (arn:aws:lambda:<region>:<account>:function:<name>). Use the stack output FunctionName or FunctionArn.`,
  };
}

/** Whether a secret whose RotationLambdaARN is `rotationLambdaArn` is rotated by `ref`. */
export function rotatedBy(ref: FunctionRef, rotationLambdaArn: string | undefined): boolean {
  if (rotationLambdaArn === undefined) return false;
  if (ref.kind === 'arn') return rotationLambdaArn === ref.arn;
  return ARN.exec(rotationLambdaArn)?.[1] === ref.name;
}

export function describeFunctionRef(ref: FunctionRef): string {
  return ref.kind === 'arn' ? ref.arn : ref.name;
}
