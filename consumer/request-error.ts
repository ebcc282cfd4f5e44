/** Methods that change nothing at Ringg, so sending one again cannot do harm. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * A request that got no HTTP answer: a timeout, a refused or reset connection, or an abort. The
 * library never repeats it. For a method that changes something (POST, PUT, PATCH, DELETE), Ringg may
 * or may not have processed it: `mayHaveBeenProcessed` is true and the caller must find out before
 * sending it again (e.g. look the call up) rather than risk doing it twice.
 */
export class RinggRequestError extends Error {
  override readonly name = 'RinggRequestError';
  /** The undici error code, e.g. `UND_ERR_HEADERS_TIMEOUT`, `ECONNRESET`, or the error's name. */
  readonly code: string;
  /** The request's HTTP method. */
  readonly method: string;
  /** The request path, without its query string. */
  readonly path: string;
  /** Whether Ringg may have acted on it: true for any method but GET and HEAD. */
  readonly mayHaveBeenProcessed: boolean;

  constructor(method: string, path: string, cause: unknown) {
    const code = errorCode(cause);
    const safe = SAFE_METHODS.has(method);
    const cleanPath = path.split('?')[0] ?? path;
    super(
      `${method} ${cleanPath}: no answer from Ringg (${code}). The library did not repeat it. ` +
        (safe
          ? `${method} changes nothing at Ringg, so it is safe to call again.`
          : `Ringg may or may not have processed it: check (e.g. whether the call exists) before sending it again.`),
      { cause },
    );
    this.code = code;
    this.method = method;
    this.path = cleanPath;
    this.mayHaveBeenProcessed = !safe;
  }
}

function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'unknown error';
}
