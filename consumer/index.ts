// The consumer library: what services import to call Ringg through a key rotation without failures.
// No CDK or Lambda code here: it is published as its own entry point.
export type { ConsumerEvent, ConsumerEventListener } from './events.js';
export type { RinggSecretErrorCode } from './key-errors.js';
export { RinggKeysRejectedError, RinggSecretError } from './key-errors.js';
export type { RinggKeyProviderOptions } from './key-provider.js';
export { RinggKeyProvider } from './key-provider.js';
export { RinggRequestError } from './request-error.js';
export type { RinggApiOptions, RinggMethod, RinggRequest, RinggResponse } from './ringg-api.js';
export { RinggApi } from './ringg-api.js';
