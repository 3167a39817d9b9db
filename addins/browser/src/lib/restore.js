// plan and restore: open what is missing, leave what is there (DESIGN 2 and 6).
import { api, hasTabGroups, isFirefox } from './api.js';
import { assignWindowKey, keyOfWindow } from './keys.js';
import { lazyUrl, liveWindows, tabUrl } from './capture.js';

/** The items `only` picks: each named item, everything below it, the tabs of a picked group,
 * and the window around a picked tab or group (it has to exist to hold them). */
export function selectItems(items, only) {
  if (!only || only.length === 0) return items;
  const picked = new Set(only);
  let grew = true;
  while (grew) {
    grew = false;
    for (const item of items) {
      if (picked.has(item.key)) continue;
      if ((item.parent && picked.has(item.parent) && item.kind !== 'window')
        || (item.kind === 'tab' && item.data?.group && picked.has(item.data.group))) {
        picked.add(item.key);
        grew = true;
      }
    }
  }
  for (const item of items) {
    if (picked.has(item.key) && item.parent) picked.add(item.parent);
    if (picked.has(item.key) && item.kind === 'tab' && item.data?.group) picked.add(item.data.group);
  }
  return items.filter((i) => picked.has(i.key));
}

/** Snapshot windows with their tabs (in index order) and groups. */
function shape(items) {
  const windows = items.filter((i) => i.kind === 'window').map((w) => ({ item: w, tabs: [], groups: [] }));
  const byKey = new Map(windows.map((w) => [w.item.key, w]));
  for (const i of items) {
    const w = byKey.get(i.parent);
    if (!w) continue;
    if (i.kind === 'tab') w.tabs.push(i);
    if (i.kind === 'group') w.groups.push(i);
  }
  for (const w of windows) w.tabs.sort((a, b) => (a.data?.index ?? 0) - (b.data?.index ?? 0));
  return windows;
}

/** Pairs snapshot windows with live ones: the same key first, then the most URLs shared. */
async function matchWindows(windows, live) {
  const match = new Map();
  const used = new Set();
  for (const lw of live) {
    const key = await keyOfWindow(lw.id);
    const w = windows.find((x) => x.item.key === key);
    if (w && !match.has(w.item.key)) {
      match.set(w.item.key, lw);
      used.add(lw.id);
    }
  }
  for (const w of windows) {
    if (match.has(w.item.key)) continue;
    const urls = new Set(w.tabs.map((t) => t.data?.url));
    let best = null;
    let bestScore = 0;
    for (const lw of live) {
      if (used.has(lw.id)) continue;
      const score = lw.tabs.filter((t) => urls.has(tabUrl(t))).length;
      if (score > bestScore) [best, bestScore] = [lw, score];
    }
    if (best) {
      match.set(w.item.key, best);
      used.add(best.id);
    }
  }
  return match;
}

/** For one window: which snapshot tabs are open already (by URL, each live tab used once). */
function presentTabs(tabs, liveTabs) {
  const pool = new Map();
  for (const t of liveTabs) {
    const url = tabUrl(t);
    pool.set(url, [...(pool.get(url) ?? []), t]);
  }
  const present = new Map();
  for (const t of tabs) {
    const candidates = pool.get(t.data?.url);
    if (candidates?.length) present.set(t.key, candidates.shift());
  }
  return present;
}

async function liveGroupFor(windowId, group) {
  if (!hasTabGroups) return null;
  const groups = await api.tabGroups.query({ windowId });
  return groups.find((g) => (g.title ?? '') === group.data?.title && g.color === group.data?.color) ?? null;
}

/** `{actions: [{key, action, detail}]}` without touching anything. */
export async function plan(state, options) {
  const items = selectItems(state?.items ?? [], options?.only);
  const windows = shape(items);
  const live = await liveWindows();
  const match = await matchWindows(windows, live);
  const actions = [];
  for (const w of windows) {
    const lw = match.get(w.item.key);
    actions.push({
      key: w.item.key,
      action: lw ? 'already-present' : 'open',
      detail: lw ? `window ${lw.id}` : `new window with ${w.tabs.length} tabs`,
    });
    const present = lw ? presentTabs(w.tabs, lw.tabs) : new Map();
    for (const g of w.groups) {
      const existing = lw ? await liveGroupFor(lw.id, g) : null;
      let action = existing ? 'already-present' : 'open';
      if (!hasTabGroups) action = 'skip';
      actions.push({ key: g.key, action, detail: hasTabGroups ? `group ${g.data?.title ?? ''}` : 'this browser has no tab groups' });
    }
    for (const t of w.tabs) {
      const here = present.get(t.key);
      actions.push({
        key: t.key,
        action: here ? 'already-present' : 'open',
        detail: t.data?.url ?? '',
      });
    }
  }
  return { actions };
}

async function openTab(windowId, t, lazy) {
  const props = { windowId, url: t.data.url, pinned: Boolean(t.data.pinned), active: false };
  if (lazy && isFirefox && !props.pinned) {
    props.discarded = true;
    props.title = t.title;
  } else if (lazy && !isFirefox) {
    props.url = lazyUrl(t.data.url, t.title);
  }
  const tab = await api.tabs.create(props);
  if (t.data.muted) await api.tabs.update(tab.id, { muted: true });
  return tab;
}

/** Restores the selected items (inactive tabs lazily: Chromium gets lazy.html placeholders,
 * which share the extension's process, Firefox discarded tabs); `{results: [{key, outcome, message}]}`. */
export async function restore(state, options) {
  const items = selectItems(state?.items ?? [], options?.only);
  const windows = shape(items);
  const live = await liveWindows();
  const match = await matchWindows(windows, live);
  const results = [];
  for (const w of windows) {
    let lw = match.get(w.item.key);
    let blank = null;
    if (lw) {
      results.push({ key: w.item.key, outcome: 'already-present', message: `window ${lw.id}` });
    } else {
      try {
        const d = w.item.data ?? {};
        const props = { focused: false };
        if (d.state === 'normal' || !d.state) Object.assign(props, { left: d.left, top: d.top, width: d.width, height: d.height });
        const created = await api.windows.create(props);
        await assignWindowKey(created.id, w.item.key);
        blank = created.tabs?.[0]?.id ?? null;
        lw = { id: created.id, tabs: [] };
        if (d.state && d.state !== 'normal') await api.windows.update(created.id, { state: d.state }).catch(() => {});
        results.push({ key: w.item.key, outcome: 'restored', message: `window ${created.id}` });
      } catch (e) {
        results.push({ key: w.item.key, outcome: 'failed', message: String(e?.message ?? e) });
        for (const i of [...w.groups, ...w.tabs]) results.push({ key: i.key, outcome: 'failed', message: 'its window could not be opened' });
        continue;
      }
    }
    const present = presentTabs(w.tabs, lw.tabs);
    const tabIds = new Map();
    const opening = [];
    let activeId = null;
    for (const t of w.tabs) {
      const here = present.get(t.key);
      if (here) {
        tabIds.set(t.key, here.id);
        results.push({ key: t.key, outcome: 'already-present', message: `tab ${here.id}` });
        continue;
      }
      opening.push(openTab(lw.id, t, !t.data?.active).then(
        (tab) => {
          tabIds.set(t.key, tab.id);
          if (t.data?.active) activeId = tab.id;
          return { key: t.key, outcome: 'restored', message: `tab ${tab.id}` };
        },
        (e) => ({ key: t.key, outcome: 'failed', message: String(e?.message ?? e) }),
      ));
    }
    // Sent together; the browser carries them out in order, so tabs keep their order.
    results.push(...(await Promise.all(opening)));
    if (activeId !== null) await api.tabs.update(activeId, { active: true }).catch(() => {});
    if (blank !== null && tabIds.size > 0) await api.tabs.remove(blank).catch(() => {});
    for (const g of w.groups) results.push(await restoreGroup(lw.id, g, w.tabs, tabIds));
  }
  return { results };
}

async function restoreGroup(windowId, g, tabs, tabIds) {
  if (!hasTabGroups) return { key: g.key, outcome: 'skipped', message: 'this browser has no tab groups' };
  try {
    const ids = tabs.filter((t) => t.data?.group === g.key).map((t) => tabIds.get(t.key)).filter((id) => id !== undefined);
    const existing = await liveGroupFor(windowId, g);
    if (existing) {
      const inside = (await api.tabs.query({ windowId, groupId: existing.id })).map((t) => t.id);
      const missing = ids.filter((id) => !inside.includes(id));
      if (missing.length) await api.tabs.group({ groupId: existing.id, tabIds: missing });
      return { key: g.key, outcome: 'already-present', message: `group ${existing.id}` };
    }
    if (ids.length === 0) return { key: g.key, outcome: 'skipped', message: 'none of its tabs is open' };
    const groupId = await api.tabs.group({ tabIds: ids, createProperties: { windowId } });
    await api.tabGroups.update(groupId, {
      title: g.data?.title ?? '',
      color: g.data?.color,
      collapsed: Boolean(g.data?.collapsed),
    });
    return { key: g.key, outcome: 'restored', message: `group ${groupId}` };
  } catch (e) {
    return { key: g.key, outcome: 'failed', message: String(e?.message ?? e) };
  }
}
