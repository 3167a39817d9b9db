// One namespace for both browsers: Firefox has promise-based `browser`, Chromium `chrome`.
export const api = globalThis.browser ?? globalThis.chrome;

/** True in Firefox (the manifest carries a gecko id). */
export const isFirefox = Boolean(api.runtime.getManifest().browser_specific_settings?.gecko);

/** The add-in id this browser registers as. */
export const addinId = isFirefox ? 'browser-firefox' : 'browser-chromium';

/** The native messaging host's name (see `chauffeur integrations install`). */
export const nativeHostName = 'dev.chauffeur.host';

/** Tab groups exist (Chromium) or not (Firefox). */
export const hasTabGroups = Boolean(api.tabGroups && api.tabs.group);
