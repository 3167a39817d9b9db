// Pushing the state: debounced after every change, and at once after a new registration.
import { api } from './api.js';
import { capture } from './capture.js';
import { call } from './daemon.js';
import { current, reconnect } from './connection.js';
import { loadSettings } from './settings.js';

const DEBOUNCE_MS = 400;
let timer = null;
let running = Promise.resolve();

/** A sequence number above every one sent before: the clock, or one past the last. */
async function nextSeq() {
  const { seq } = await api.storage.session.get('seq');
  const next = Math.max((seq ?? 0) + 1, Date.now());
  await api.storage.session.set({ seq: next });
  return next;
}

async function pushNow() {
  const reg = await current();
  if (!reg) return;
  const state = await capture(await loadSettings());
  try {
    await call(reg, 'PUT', `/v1/addins/${encodeURIComponent(reg.id)}/state`, { seq: await nextSeq(), state });
    await api.storage.session.set({ lastPush: { at: Date.now(), items: state.items.length } });
  } catch (e) {
    if (e?.code === 'stale_sequence') {
      const last = Number(/\d+/.exec(e.message.split('last')[1] ?? '')?.[0] ?? 0);
      await api.storage.session.set({ seq: last });
      schedule(0);
    } else if (e?.status === 404 || e?.status === 401) {
      await reconnect(reg);
    }
  }
}

/** Pushes after `delay` ms of quiet; pushes never overlap. */
export function schedule(delay = DEBOUNCE_MS) {
  clearTimeout(timer);
  timer = setTimeout(() => {
    running = running.then(pushNow, pushNow);
  }, delay);
}
