export type { ConsumerEvent, RinggKeyProviderOptions } from './key-provider';
export { RinggKeyProvider } from './key-provider';
export type { RinggApiOptions, RinggRequest, RinggResponse } from './ringg-api';
export { RINGG_API_URL, RinggApi } from './ringg-api';
