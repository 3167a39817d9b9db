// The options page: connection status, the pairing flow, the ignore list.
import { addinIdFor, api, PROFILE_PATTERN } from './lib/api.js';
import { PAIRED_HEARTBEAT_MS } from './lib/connection.js';
import { registerBody } from './lib/daemon.js';
import { loadSettings, saveSettings } from './lib/settings.js';
import { DEFAULT_IGNORE } from './lib/urls.js';

const $ = (id) => document.getElementById(id);

async function showStatus() {
  const s = await api.runtime.sendMessage({ type: 'status' });
  $('status').textContent = s?.id ? `${s.status} (${s.id} at ${s.url})` : (s?.status ?? 'not connected');
}

async function post(url, path, token, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await response.json().catch(() => null);
  return { status: response.status, json };
}

async function pair() {
  const url = $('daemon-url').value.trim().replace(/\/+$/, '');
  await saveSettings({ daemonUrl: url });
  const addinId = addinIdFor((await loadSettings()).profile);
  $('pairing').hidden = false;
  $('pairing-status').textContent = 'Asking the daemon for a code…';
  try {
    const started = await post(url, '/v1/addins/pair', null, { id: addinId, name: `Chauffeur for ${addinId.replace('browser-', '')}` });
    if (started.status !== 201) throw new Error(started.json?.error?.message ?? `the daemon answered ${started.status}`);
    const { code, pairing_token: pairingToken, expires_in_ms: expiresIn } = started.json;
    $('code').textContent = code;
    $('pairing-status').textContent = 'Waiting for approval…';
    const until = Date.now() + expiresIn;
    const body = registerBody(addinId, api.runtime.getManifest().version, PAIRED_HEARTBEAT_MS);
    while (Date.now() < until) {
      const answer = await post(url, '/register', pairingToken, body);
      if (answer.status === 201) {
        await api.runtime.sendMessage({ type: 'paired', registration: { url, token: answer.json.token, id: answer.json.id } });
        $('pairing-status').textContent = 'Paired.';
        await showStatus();
        return;
      }
      if (answer.json?.error?.code !== 'pairing_pending') throw new Error(answer.json?.error?.message ?? `the daemon answered ${answer.status}`);
      await new Promise((r) => setTimeout(r, 1500));
    }
    throw new Error('the code expired; pair again');
  } catch (e) {
    $('pairing-status').textContent = `Pairing failed: ${e.message}`;
  }
}

async function init() {
  const settings = await loadSettings();
  $('daemon-url').value = settings.daemonUrl;
  $('ignore').value = settings.ignore.join('\n');
  $('profile').value = settings.profile;
  $('pair').addEventListener('click', pair);
  $('save-profile').addEventListener('click', async () => {
    const profile = $('profile').value.trim();
    if (profile && !PROFILE_PATTERN.test(profile)) {
      $('profile-saved').textContent = 'Use 1 to 32 lowercase letters, digits or "-".';
      return;
    }
    await saveSettings({ profile });
    await api.runtime.sendMessage({ type: 'profile' });
    $('profile-saved').textContent = `Saved: this profile is saved as ${addinIdFor(profile)}.`;
    await showStatus();
  });
  $('save').addEventListener('click', async () => {
    const ignore = $('ignore').value.split('\n').map((l) => l.trim()).filter(Boolean);
    await saveSettings({ ignore });
    $('saved').textContent = 'Saved.';
  });
  $('defaults').addEventListener('click', () => {
    $('ignore').value = DEFAULT_IGNORE.join('\n');
  });
  await showStatus();
}

init();
