/** Defaults shared by the function, the construct, the CLI and the consumer library. */
export const DEFAULT_RINGG_BASE_URL = 'https://prod-api.ringg.ai/ca/api/v0';

/** SSM path under which the journal and rescue parameters of every secret live. */
export const DEFAULT_PARAMETER_PREFIX = '/ringg-rotation';
