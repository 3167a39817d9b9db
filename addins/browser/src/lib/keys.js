// Stable item keys.
//
// Window ids change whenever the browser restarts, so a window's key is a random id the
// extension gives it once and remembers: per window id in storage.session (survives the
// service worker being stopped), and per key the window's tab URLs in storage.local
// (survives a browser restart: a window that comes back with the same pages gets its old
// key). Windows opened by a restore take the key they had in the snapshot.
// Tab keys are WINDOW/HASH(url) (#n for the n-th duplicate), group keys
// WINDOW/g-HASH(title, colour): stable as long as the page or group stays in its window.
import { api } from './api.js';
import { shortHash } from './urls.js';

const KNOWN_LIMIT = 64;
let byWindowId = null; // windowId -> key
let known = null; // key -> {urls, seen}

async function load() {
  if (byWindowId) return;
  const [{ windowKeys }, { knownWindows }] = await Promise.all([
    api.storage.session.get('windowKeys'),
    api.storage.local.get('knownWindows'),
  ]);
  byWindowId ??= windowKeys ?? {};
  known ??= knownWindows ?? {};
}

function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return `w-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function overlap(a, b) {
  const set = new Set(a);
  return b.filter((u) => set.has(u)).length;
}

/**
 * Keys for the given live windows (`[{id, urls}]`), assigning new ones where needed.
 * Returns a Map windowId -> key.
 */
export async function windowKeys(windows) {
  await load();
  const live = new Set(windows.map((w) => String(w.id)));
  for (const id of Object.keys(byWindowId)) if (!live.has(id)) delete byWindowId[id];
  const taken = new Set(Object.values(byWindowId));
  let changed = false;
  for (const w of windows) {
    if (byWindowId[w.id]) continue;
    let best = null;
    let bestScore = 0;
    for (const [key, entry] of Object.entries(known)) {
      if (taken.has(key)) continue;
      const score = overlap(entry.urls, w.urls);
      if (score > bestScore) [best, bestScore] = [key, score];
    }
    byWindowId[w.id] = best ?? randomKey();
    taken.add(byWindowId[w.id]);
    changed = true;
  }
  if (changed) await api.storage.session.set({ windowKeys: byWindowId });
  return new Map(windows.map((w) => [w.id, byWindowId[w.id]]));
}

/** Gives a window the key it had in a snapshot (a restore opened it). */
export async function assignWindowKey(windowId, key) {
  await load();
  for (const [id, k] of Object.entries(byWindowId)) if (k === key) delete byWindowId[id];
  byWindowId[windowId] = key;
  await api.storage.session.set({ windowKeys: byWindowId });
}

/** The key a live window has now, if any (no assignment). */
export async function keyOfWindow(windowId) {
  await load();
  return byWindowId[windowId];
}

/** Remembers each window's URLs so that a browser restart can give the keys back. */
export async function rememberWindows(entries) {
  await load();
  const now = Date.now();
  for (const { key, urls } of entries) known[key] = { urls, seen: now };
  const keys = Object.keys(known).sort((a, b) => known[b].seen - known[a].seen);
  for (const key of keys.slice(KNOWN_LIMIT)) delete known[key];
  await api.storage.local.set({ knownWindows: known });
}

/** Tab keys for one window's URLs, in order: WINDOW/HASH, WINDOW/HASH#2 for duplicates. */
export function tabKeys(windowKey, urls) {
  const seen = new Map();
  return urls.map((url) => {
    const base = `${windowKey}/${shortHash(url)}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}

/** A group's key: WINDOW/g-HASH(title, colour). */
export function groupKey(windowKey, title, color) {
  return `${windowKey}/g-${shortHash(`${title}\n${color}`)}`;
}
