// Drives Chromium with the extension for crates/chauffeur/tests/browser_*.rs: one JSON
// command per line on stdin, one JSON answer per line on stdout.
//   {"cmd":"launch","profile":DIR}    start Chromium on a profile (extension allowed in incognito)
//   {"cmd":"fixture"}                 two windows, a pinned tab, a group, ignored tabs, a
//                                     private window
//   {"cmd":"populate","windows":W,"tabs":T}  W windows of T (discarded) tabs
//   {"cmd":"touch"}                   open one more tab (a change to push)
//   {"cmd":"live"}                    windows, tabs, groups as the extension sees them
//   {"cmd":"stopWorker"}              stop the extension's service worker (as Chromium does
//                                     when it is idle) and wait until it is stopped
//   {"cmd":"workerStatus"}            the worker's running status and how often it started
//   {"cmd":"openTab","name":N}        open /page/N in a new tab as a user would (not through
//                                     the extension, so only the tab event can wake it)
//   {"cmd":"closeTab","name":N}       close the tab showing /page/N, as a user would
//   {"cmd":"nameProfile","name":N}    type N into the options page's profile name and save
//   {"cmd":"memory"}                  PSS of the browser's processes, in KiB
//   {"cmd":"close"}                   close the browser
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { EXTENSION_ID, inWorker, launch, live, stopWorker, workerStatus } from './browser.mjs';
import { browserMemoryKiB } from './memory.mjs';
import { servePages } from './pages.mjs';
import { DEFAULT_IGNORE } from '../src/lib/urls.js';

const extensionDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'chromium');
const pages = await servePages();
const base = `http://127.0.0.1:${pages.port}`;
let browser = null;
let touches = 0;

async function fixture() {
  await inWorker(browser, async ({ base, ignore }) => {
    const settings = (await chrome.storage.local.get('settings')).settings ?? {};
    await chrome.storage.local.set({ settings: { ...settings, ignore } });
    const one = await chrome.windows.create({ url: `${base}/page/one-a` });
    const pinned = await chrome.tabs.create({ windowId: one.id, url: `${base}/page/one-pinned`, pinned: true });
    const b = await chrome.tabs.create({ windowId: one.id, url: `${base}/page/one-b` });
    const c = await chrome.tabs.create({ windowId: one.id, url: `${base}/page/one-c` });
    await chrome.tabs.create({ windowId: one.id, url: 'chrome://version/' });
    await chrome.tabs.create({ windowId: one.id, url: `${base}/private/secret-page` });
    const gid = await chrome.tabs.group({ tabIds: [b.id, c.id], createProperties: { windowId: one.id } });
    await chrome.tabGroups.update(gid, { title: 'Research', color: 'blue', collapsed: false });
    const two = await chrome.windows.create({ url: `${base}/page/two-a` });
    await chrome.tabs.create({ windowId: two.id, url: `${base.replace('//', '//user:hunter2@')}/page/two-cred` });
    await chrome.tabs.create({ windowId: two.id, url: 'about:blank' });
    return { pinned: pinned.id };
  }, { base, ignore: [...DEFAULT_IGNORE, `${base}/private/`] });
  // A private window the extension can see (launch allowed it in incognito): the capture
  // must leave it out.
  const incognito = await inWorker(browser, async ({ base }) => {
    const w = await chrome.windows.create({ incognito: true, url: `${base}/page/incognito-page` });
    const all = await chrome.windows.getAll({ populate: true, windowTypes: ['normal'] });
    const seen = all.find((x) => x.id === w.id);
    return {
      id: w.id,
      incognito: Boolean(seen?.incognito),
      urls: (seen?.tabs ?? []).map((t) => globalThis.chauffeur.tabUrl(t)),
    };
  }, { base });
  return {
    base,
    incognito,
    windows: [
      { urls: [`${base}/page/one-pinned`, `${base}/page/one-a`, `${base}/page/one-b`, `${base}/page/one-c`], pinned: [`${base}/page/one-pinned`], group: { title: 'Research', color: 'blue', urls: [`${base}/page/one-b`, `${base}/page/one-c`] } },
      { urls: [`${base}/page/two-a`, `${base}/page/two-cred`] },
    ],
  };
}

async function populate({ windows, tabs }) {
  return inWorker(browser, async ({ base, windows, tabs }) => {
    const { restore } = globalThis.chauffeur;
    const items = [];
    for (let w = 0; w < windows; w += 1) {
      const wkey = `bench-w${w}`;
      items.push({ key: wkey, kind: 'window', title: wkey, data: { state: 'normal' } });
      for (let t = 0; t < tabs; t += 1) {
        items.push({ key: `${wkey}/t${t}`, kind: 'tab', title: `t${t}`, parent: wkey, data: { url: `${base}/page/w${w}-t${t}-${Date.now()}`, index: t, active: t === 0 } });
      }
    }
    const { results } = await restore({ schema: 1, items }, {});
    return { opened: results.filter((r) => r.outcome === 'restored').length };
  }, { base, windows, tabs });
}

async function handle(command) {
  switch (command.cmd) {
    case 'launch':
      browser = await launch(command.profile, extensionDir);
      return { base };
    case 'fixture':
      return fixture();
    case 'populate':
      return populate(command);
    case 'touch':
      touches += 1;
      return inWorker(browser, async (url) => (await chrome.tabs.create({ url, active: false })).id, `${base}/page/touch-${touches}`);
    case 'live':
      return live(browser);
    case 'stopWorker':
      return stopWorker(browser);
    case 'workerStatus':
      return workerStatus(browser);
    case 'openTab': {
      const page = await browser.context.newPage();
      await page.goto(`${base}/page/${command.name}`);
      return { url: page.url() };
    }
    case 'closeTab': {
      const url = `${base}/page/${command.name}`;
      const page = browser.context.pages().find((p) => p.url() === url);
      if (!page) throw new Error(`no tab shows ${url}`);
      await page.close();
      return { url };
    }
    case 'nameProfile': {
      const page = await browser.context.newPage();
      await page.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
      await page.fill('#profile', command.name);
      await page.click('#save-profile');
      await page.waitForFunction(() => document.getElementById('profile-saved').textContent !== '');
      const said = await page.textContent('#profile-saved');
      await page.close();
      return { said };
    }
    case 'memory':
      return { kib: browserMemoryKiB(browser.profile) };
    case 'close':
      await browser?.context.close();
      browser = null;
      return {};
    default:
      throw new Error(`unknown command ${command.cmd}`);
  }
}

const lines = createInterface({ input: process.stdin });
console.log(JSON.stringify({ ready: true, base }));
for await (const line of lines) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = { ok: true, value: await handle(JSON.parse(line)) };
  } catch (e) {
    answer = { ok: false, error: String(e?.stack ?? e) };
  }
  console.log(JSON.stringify(answer));
}
await browser?.context.close().catch(() => {});
await pages.close();
