// The service worker (Chromium) or background script (Firefox). Listeners are registered
// first, synchronously, so that events wake the worker; all state lives in storage.
import { api, hasTabGroups } from './lib/api.js';
import { startPolling } from './lib/commands.js';
import { ensure, heartbeat, onRegistered, usePairing, useProfile } from './lib/connection.js';
import { schedule } from './lib/push.js';
import { plan, restore } from './lib/restore.js';
import { capture, tabUrl } from './lib/capture.js';
import { loadSettings } from './lib/settings.js';

const ALARM = 'chauffeur-heartbeat';

// For the service worker's console and the tests: the add-in's own verbs.
globalThis.chauffeur = { plan, restore, tabUrl, capture: async () => capture(await loadSettings()) };

for (const event of [
  api.tabs.onCreated, api.tabs.onRemoved, api.tabs.onMoved, api.tabs.onAttached,
  api.tabs.onDetached, api.tabs.onActivated, api.tabs.onReplaced,
  api.windows.onCreated, api.windows.onRemoved, api.windows.onBoundsChanged,
]) event?.addListener(() => schedule());
api.tabs.onUpdated.addListener((_id, change) => {
  if ('url' in change || 'title' in change || 'pinned' in change || 'mutedInfo' in change || 'groupId' in change) schedule();
});
if (hasTabGroups) {
  for (const event of [api.tabGroups.onCreated, api.tabGroups.onUpdated, api.tabGroups.onRemoved, api.tabGroups.onMoved]) {
    event.addListener(() => schedule());
  }
}
api.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && changes.settings) schedule(0);
});

api.alarms.onAlarm.addListener(async (alarm) => {
  if (alarm.name !== ALARM) return;
  await heartbeat();
  startPolling();
});

api.runtime.onMessage.addListener((message, _sender, reply) => {
  if (message?.type === 'paired') {
    usePairing(message.registration).then(() => reply({ ok: true }));
    return true;
  }
  if (message?.type === 'profile') {
    useProfile().then(() => reply({ ok: true }));
    return true;
  }
  if (message?.type === 'status') {
    api.storage.session.get(['status', 'registration', 'lastPush']).then(({ status, registration, lastPush }) => {
      reply({ status: status ?? 'not connected', id: registration?.id, via: registration?.via, url: registration?.url, lastPush });
    });
    return true;
  }
  return false;
});

onRegistered(() => {
  schedule(0);
  startPolling();
});

async function start() {
  await api.alarms.create(ALARM, { periodInMinutes: 0.5 });
  if (await ensure()) {
    schedule(0);
    startPolling();
  }
}

start();
