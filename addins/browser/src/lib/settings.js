// The user's settings, kept in storage.local.
import { api, PROFILE_PATTERN } from './api.js';
import { DEFAULT_IGNORE } from './urls.js';

export const DEFAULT_DAEMON_URL = 'http://127.0.0.1:7467';

/** `{ignore: [prefixes], daemonUrl, profile}` with defaults filled in. */
export async function loadSettings() {
  const { settings } = await api.storage.local.get('settings');
  return {
    ignore: Array.isArray(settings?.ignore) ? settings.ignore : DEFAULT_IGNORE,
    daemonUrl: typeof settings?.daemonUrl === 'string' ? settings.daemonUrl : DEFAULT_DAEMON_URL,
    profile: typeof settings?.profile === 'string' && PROFILE_PATTERN.test(settings.profile) ? settings.profile : '',
  };
}

/** Saves the given fields over the current settings. */
export async function saveSettings(changes) {
  const current = await loadSettings();
  await api.storage.local.set({ settings: { ...current, ...changes } });
}
