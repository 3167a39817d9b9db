// One namespace for both browsers: Firefox has promise-based `browser`, Chromium `chrome`.
export const api = globalThis.browser ?? globalThis.chrome;

/** True in Firefox (the manifest carries a gecko id). */
export const isFirefox = Boolean(api.runtime.getManifest().browser_specific_settings?.gecko);

/** The browser's name in add-in ids. */
export const browserName = isFirefox ? 'firefox' : 'chromium';

/** A profile name: 1 to 32 lowercase letters, digits or '-' (or empty: no name). */
export const PROFILE_PATTERN = /^[a-z0-9-]{1,32}$/;

/**
 * The add-in id this browser profile registers as: `browser-chromium`, or
 * `browser-chromium-work` once the user named the profile `work` in the options, so that
 * several profiles running at once are saved side by side.
 */
export function addinIdFor(profile) {
  return profile ? `browser-${browserName}-${profile}` : `browser-${browserName}`;
}

/** The native messaging host's name (see `chauffeur integrations install`). */
export const nativeHostName = 'dev.chauffeur.host';

/** Tab groups exist (Chromium) or not (Firefox). */
export const hasTabGroups = Boolean(api.tabGroups && api.tabs.group);
