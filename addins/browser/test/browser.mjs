// Debian's Chromium with the unpacked extension in a persistent profile, and calls into the
// extension's service worker (where the chrome.* APIs are).
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Launches Chromium on `profile` with the extension in `extensionDir`. */
export async function launch(profile, extensionDir) {
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
  return { context, worker, profile };
}

/** Runs `fn(arg)` inside the service worker. */
export function inWorker(browser, fn, arg) {
  return browser.worker.evaluate(fn, arg);
}

/** Windows, tabs and groups as the extension sees them (normal windows only). */
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
