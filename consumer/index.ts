export type { ConsumerEvent, RinggKeyProviderOptions } from './key-provider.js';
export { RinggKeyProvider } from './key-provider.js';
export type { RinggApiOptions, RinggRequest, RinggResponse } from './ringg-api.js';
export { RINGG_API_URL, RinggApi } from './ringg-api.js';
