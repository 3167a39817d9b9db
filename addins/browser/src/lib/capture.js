// The state envelope (DESIGN 2) of the browser as it is now.
import { api, hasTabGroups } from './api.js';
import { groupKey, rememberWindows, tabKeys, windowKeys } from './keys.js';
import { isIgnored, stripCredentials } from './urls.js';

export const SCHEMA = 1;

const LAZY = api.runtime.getURL('lazy.html');

/** The address of a tab that loads `url` when it is first shown (see lazy.js). */
export function lazyUrl(url, title) {
  return `${LAZY}#${encodeURIComponent(title ?? '')}#${encodeURIComponent(url)}`;
}

/** The URL a tab shows or is about to show (a lazy tab's real one), without credentials. */
export function tabUrl(tab) {
  let url = tab.url || tab.pendingUrl || '';
  if (url.startsWith(`${LAZY}#`)) url = decodeURIComponent(url.split('#')[2] ?? '');
  return stripCredentials(url);
}

/** Normal, non-private windows with their tabs. */
export async function liveWindows() {
  const windows = await api.windows.getAll({ populate: true, windowTypes: ['normal'] });
  return windows.filter((w) => !w.incognito && w.type === 'normal');
}

async function liveGroups(windowId) {
  if (!hasTabGroups) return [];
  return api.tabGroups.query({ windowId });
}

/** `{schema, items}`: windows, their groups, their tabs (ignored URLs left out). */
export async function capture(settings) {
  const windows = await liveWindows();
  const keys = await windowKeys(windows.map((w) => ({ id: w.id, urls: w.tabs.map(tabUrl) })));
  const items = [];
  const remembered = [];
  for (const w of windows) {
    const wkey = keys.get(w.id);
    const tabs = w.tabs
      .map((t) => ({ tab: t, url: tabUrl(t) }))
      .filter(({ url }) => !isIgnored(url, settings.ignore));
    if (tabs.length === 0) continue;
    const active = tabs.find(({ tab }) => tab.active) ?? tabs[0];
    items.push({
      key: wkey,
      kind: 'window',
      title: `${active.tab.title || active.url} (${tabs.length} tab${tabs.length === 1 ? '' : 's'})`,
      data: {
        state: w.state,
        focused: w.focused,
        left: w.left,
        top: w.top,
        width: w.width,
        height: w.height,
      },
    });
    const groupKeys = new Map();
    const groupSeen = new Map();
    for (const g of await liveGroups(w.id)) {
      let key = groupKey(wkey, g.title ?? '', g.color);
      const n = (groupSeen.get(key) ?? 0) + 1;
      groupSeen.set(key, n);
      if (n > 1) key = `${key}#${n}`;
      groupKeys.set(g.id, key);
      items.push({
        key,
        kind: 'group',
        title: g.title || `(${g.color} group)`,
        parent: wkey,
        data: { title: g.title ?? '', color: g.color, collapsed: g.collapsed },
      });
    }
    const tkeys = tabKeys(wkey, tabs.map(({ url }) => url));
    tabs.forEach(({ tab, url }, i) => {
      const data = {
        url,
        index: tab.index,
        pinned: tab.pinned,
        active: tab.active,
        muted: Boolean(tab.mutedInfo?.muted),
      };
      const group = groupKeys.get(tab.groupId);
      if (group) data.group = group;
      items.push({ key: tkeys[i], kind: 'tab', title: tab.title || url, parent: wkey, data });
    });
    remembered.push({ key: wkey, urls: tabs.map(({ url }) => url) });
  }
  await rememberWindows(remembered);
  return { schema: SCHEMA, items };
}
