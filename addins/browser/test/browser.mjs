// Debian's Chromium with the unpacked extension in a persistent profile, and calls into the
// extension's service worker (where the chrome.* APIs are).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The extension's fixed Chromium id (the `key` in manifests.mjs). */
export const EXTENSION_ID = 'eoogedgimkekgimmpbnjflbkiampkblj';

/**
 * Allows the extension in incognito windows, as the user's "Allow in Incognito" switch in
 * chrome://extensions does: Chromium keeps that per extension in the profile's
 * `Default/Preferences` as `extensions.settings.ID.incognito`. On Linux the MACs of tracked
 * preferences are not enforced, so a value written before launch is kept (and, for an
 * unpacked extension, survives it being loaded with --load-extension).
 */
function allowIncognito(profile) {
  const dir = join(profile, 'Default');
  const file = join(dir, 'Preferences');
  mkdirSync(dir, { recursive: true });
  let prefs = {};
  try {
    prefs = JSON.parse(readFileSync(file, 'utf8'));
  } catch { /* a fresh profile */ }
  prefs.extensions ??= {};
  prefs.extensions.settings ??= {};
  prefs.extensions.settings[EXTENSION_ID] = { ...prefs.extensions.settings[EXTENSION_ID], incognito: true };
  writeFileSync(file, JSON.stringify(prefs));
}

/** Launches Chromium on `profile` with the extension in `extensionDir`, allowed in incognito. */
export async function launch(profile, extensionDir) {
  allowIncognito(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: false,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
    ignoreDefaultArgs: ['--disable-extensions', '--disable-component-extensions-with-background-pages'],
  });
  let [worker] = context.serviceWorkers();
  worker ??= await context.waitForEvent('serviceworker', { timeout: 30000 });
  if (!(await worker.evaluate(() => chrome.extension.isAllowedIncognitoAccess()))) {
    await context.close();
    throw new Error(`the extension is not allowed in incognito although ${profile}/Default/Preferences says so`);
  }
  return { context, worker, profile };
}

/**
 * Watches the extension's service worker through the DevTools protocol: every
 * `ServiceWorker.workerVersionUpdated` gives its running status (`starting`, `running`,
 * `stopping`, `stopped`). The session lives on a blank tab of its own (an ignored URL).
 */
async function watchWorker(browser) {
  if (browser.watch) return browser.watch;
  const page = await browser.context.newPage();
  const session = await browser.context.newCDPSession(page);
  const watch = { session, status: null, starts: 0, waiters: [] };
  session.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    for (const v of versions) {
      if (!v.scriptURL.startsWith(`chrome-extension://${EXTENSION_ID}/`)) continue;
      if (v.runningStatus === 'starting' && watch.status !== 'starting') watch.starts += 1;
      watch.status = v.runningStatus;
    }
    watch.waiters = watch.waiters.filter((w) => !w());
  });
  await session.send('ServiceWorker.enable');
  browser.watch = watch;
  return watch;
}

function until(watch, test, ms, what) {
  if (test()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: still ${watch.status} after ${ms} ms`)), ms);
    watch.waiters.push(() => {
      if (!test()) return false;
      clearTimeout(timer);
      resolve();
      return true;
    });
  });
}

/**
 * Stops the extension's service worker as Chromium does when it is idle
 * (`ServiceWorker.stopAllWorkers`, what chrome://serviceworker-internals' "Stop" calls), and
 * waits until DevTools reports it `stopped`.
 */
export async function stopWorker(browser) {
  const watch = await watchWorker(browser);
  await until(watch, () => watch.status === 'running', 10000, 'the worker runs before it is stopped');
  const starts = watch.starts;
  await watch.session.send('ServiceWorker.stopAllWorkers');
  await until(watch, () => watch.status === 'stopped' || watch.starts > starts, 10000, 'the worker stops');
  return { status: watch.status, starts: watch.starts, restartedAtOnce: watch.starts > starts };
}

/** The worker's last running status and how many times it started since it was watched. */
export async function workerStatus(browser) {
  const watch = await watchWorker(browser);
  return { status: watch.status, starts: watch.starts };
}

/** Runs `fn(arg)` inside the service worker. */
export function inWorker(browser, fn, arg) {
  return browser.worker.evaluate(fn, arg);
}

/** Windows (incognito ones too), tabs and groups as the extension sees them (normal windows only). */
export function live(browser) {
  return inWorker(browser, async () => {
    const windows = await chrome.windows.getAll({ populate: true, windowTypes: ['normal'] });
    const groups = await chrome.tabGroups.query({});
    return {
      windows: windows.map((w) => ({
        id: w.id,
        incognito: w.incognito,
        tabs: w.tabs.map((t) => ({
          url: globalThis.chauffeur.tabUrl(t),
          pinned: t.pinned,
          groupId: t.groupId,
          lazy: t.discarded || (t.url || t.pendingUrl || '').startsWith(chrome.runtime.getURL('lazy.html')),
          active: t.active,
        })),
      })),
      groups: groups.map((g) => ({ id: g.id, windowId: g.windowId, title: g.title, color: g.color, collapsed: g.collapsed })),
    };
  });
}
