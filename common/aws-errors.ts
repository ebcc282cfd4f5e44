/**
 * The error names AWS answers with when it refuses the credentials themselves (expired, unknown, badly
 * signed): signing in again or a fixed role is the cure, never a retry.
 */
export const REJECTED_CREDENTIAL_ERRORS: ReadonlySet<string> = new Set([
  'ExpiredTokenException',
  'ExpiredToken',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'IncompleteSignature',
  'TokenRefreshRequired',
]);
