// How the extension reaches the daemon: through the native host (which registers with the
// user's token and heartbeats while the browser runs), or, when none is installed, with the
// add-in token a pairing gave (stored in storage.local; heartbeats from a 30 s alarm).
import { addinIdFor, api, browserName, nativeHostName } from './api.js';
import { call, registerBody } from './daemon.js';
import { loadSettings } from './settings.js';

/** Alarms fire at most every 30 s; the interval asked for leaves room for one late alarm. */
export const PAIRED_HEARTBEAT_MS = 60000;

let registration = null; // {url, token, id, via}
let port = null;
let nativeFailed = false;
const listeners = new Set();

/** Called with each new registration (a fresh one restarts the sequence). */
export function onRegistered(listener) {
  listeners.add(listener);
}

async function setRegistration(reg, status) {
  registration = reg;
  await api.storage.session.set({ registration: reg, status });
  if (reg) for (const l of listeners) l(reg);
}

/** The current registration, restoring it from storage.session after a worker restart. */
export async function current() {
  if (registration) return registration;
  const { registration: saved } = await api.storage.session.get('registration');
  registration = saved ?? null;
  return registration;
}

/**
 * Opens the port to the native host. `saved` is the registration a previous host made for
 * this browser: when the service worker was stopped (which closes the port) and started
 * again, the new host takes it over if the daemon still knows it, so the add-in never dies.
 */
function connectNative(saved, profile) {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    let own;
    try {
      own = port = api.runtime.connectNative(nativeHostName);
    } catch (e) {
      resolve(false);
      return;
    }
    own.onMessage.addListener(async (message) => {
      if (message?.type === 'connected') {
        const reg = { url: message.url, token: message.token, id: message.id, via: 'native', heartbeat_interval_ms: message.heartbeat_interval_ms };
        await setRegistration(reg, 'connected through the native host');
        settle(true);
      } else if (message?.type === 'error') {
        await api.storage.session.set({ status: `native host: ${message.message}` });
        settle(false);
      }
    });
    own.onDisconnect.addListener(async () => {
      const why = api.runtime.lastError?.message ?? 'closed';
      if (port !== own) return; // replaced on purpose (a new profile name)
      port = null;
      if (registration?.via === 'native') await setRegistration(null, `native host: ${why}`);
      if (!settled) nativeFailed = true;
      settle(false);
    });
    const resume = saved?.via === 'native' ? { id: saved.id, token: saved.token, url: saved.url, heartbeat_interval_ms: saved.heartbeat_interval_ms } : undefined;
    own.postMessage(hostMessage('connect', profile, resume));
    setTimeout(() => settle(false), 20000);
  });
}

/** A `connect` or `reconnect` message for the native host. */
function hostMessage(type, profile, resume) {
  return { type, browser: browserName, profile, version: api.runtime.getManifest().version, resume };
}

async function renewPaired() {
  const { paired } = await api.storage.local.get('paired');
  if (!paired?.token) return false;
  try {
    const { profile } = await loadSettings();
    const body = registerBody(paired.id ?? addinIdFor(profile), api.runtime.getManifest().version, PAIRED_HEARTBEAT_MS);
    const answer = await call(paired, 'POST', '/register', body);
    const reg = { url: paired.url, token: answer.token, id: answer.id, via: 'paired' };
    await api.storage.local.set({ paired: reg });
    await setRegistration(reg, 'connected by pairing');
    return true;
  } catch (e) {
    const status = e?.status === 401 ? 'the pairing is no longer known to the daemon: pair again in the options' : `cannot reach the daemon: ${e.message}`;
    await api.storage.session.set({ status });
    return false;
  }
}

let ensuring = null;

/**
 * Makes sure there is a registration: the native host first, else a stored pairing. One at a
 * time: a woken worker runs `start` and the alarm that woke it together.
 */
export function ensure() {
  ensuring ??= ensureOnce().finally(() => {
    ensuring = null;
  });
  return ensuring;
}

async function ensureOnce() {
  let saved = null;
  if (await current()) {
    if (registration.via !== 'native' || port) return registration;
    // A native registration without a port: the worker was stopped and started again.
    saved = registration;
    registration = null;
  }
  const { profile } = await loadSettings();
  const connecting = !nativeFailed && !port;
  if (connecting && (await connectNative(saved, profile))) return registration;
  if (port) {
    // The host runs but holds no registration (another profile has the id): ask again at
    // the next heartbeat; it succeeds once that one is gone or this profile has a name.
    if (!registration && !connecting) port.postMessage(hostMessage('reconnect', profile));
    return registration;
  }
  await renewPaired();
  return registration;
}

/**
 * The daemon said register_again (or the token is unknown) to a call made with `failed`: get
 * a new registration. Answers false, doing nothing, when a newer registration already
 * replaced `failed` (a push or poll that raced a rename).
 */
export async function reconnect(failed) {
  if (failed && registration && registration.token !== failed.token) return false;
  const via = registration?.via;
  await setRegistration(null, 'reconnecting');
  if (via === 'native' && port) {
    port.postMessage(hostMessage('reconnect', (await loadSettings()).profile));
    return true;
  }
  await ensure();
  return true;
}

/**
 * The profile name changed in the options page: connect again under the new id (the host
 * tells the daemon the old one is gone).
 */
export async function useProfile() {
  const saved = await current();
  if (port) {
    const old = port;
    port = null;
    old.disconnect();
  }
  await setRegistration(null, 'reconnecting under the new profile name');
  nativeFailed = false;
  const { profile } = await loadSettings();
  if (await connectNative(saved?.via === 'native' ? saved : null, profile)) return;
  await renewPaired();
}

/** A pairing finished in the options page. */
export async function usePairing(reg) {
  await api.storage.local.set({ paired: { ...reg, via: 'paired' } });
  if (!port) await setRegistration({ ...reg, via: 'paired' }, 'connected by pairing');
}

/** Heartbeat from the alarm; the native host heartbeats by itself. */
export async function heartbeat() {
  const reg = await ensure();
  if (!reg || reg.via === 'native') return;
  try {
    await call(reg, 'POST', `/plugin/alive/${encodeURIComponent(reg.id)}`);
  } catch (e) {
    if (e?.status === 404 || e?.status === 401) await reconnect(reg);
  }
}
