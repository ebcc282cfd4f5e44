import { DEFAULT_RINGG_BASE_URL } from './defaults.js';

export type BaseUrlResult =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly problem: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The Ringg API base URL from a `RINGG_BASE_URL` setting (blank: the default), without a trailing slash.
 * The key travels in a header, so only https:// is accepted, except plain http:// on loopback for local runs.
 */
export function parseRinggBaseUrl(raw: string | undefined): BaseUrlResult {
  const value = raw === undefined || raw.trim() === '' ? DEFAULT_RINGG_BASE_URL : raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return {
      ok: false,
      problem: `RINGG_BASE_URL "${value}" is not a URL. Set it to an https:// URL such as ${DEFAULT_RINGG_BASE_URL}, or unset it.`,
    };
  }
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) {
    return {
      ok: false,
      problem:
        `RINGG_BASE_URL "${url.origin}" must use https:// (plain http:// is accepted only for 127.0.0.1, ` +
        'localhost or [::1], for local runs). The key is sent in a header and must not cross a network in clear text.',
    };
  }
  // URL drops an empty user-info, query or fragment ("https://@host", "…/v0?", "…/v0#"): check the text too.
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value);
  if (userInfo || url.username || url.password || value.includes('?') || value.includes('#')) {
    return {
      ok: false,
      problem:
        'RINGG_BASE_URL must not carry credentials, a query or a fragment. Give only scheme, host and path, ' +
        `e.g. ${DEFAULT_RINGG_BASE_URL}.`,
    };
  }
  return { ok: true, url: url.href.replace(/\/+$/, '') };
}
