// Memory of a process tree: the sum of PSS (or RSS where smaps_rollup is unreadable), KiB.
import { readdirSync, readFileSync } from 'node:fs';

function children() {
  const byParent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(name)]);
    } catch { /* gone */ }
  }
  return byParent;
}

function kib(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The browser process running on this profile (not one of its helpers). */
function browserPid(profile) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (args.includes(`--user-data-dir=${profile}`) && !args.some((a) => a.startsWith('--type='))) return Number(name);
    } catch { /* gone */ }
  }
  return null;
}

/** PSS of the browser on `profile` and all its descendants. */
export function browserMemoryKiB(profile) {
  const root = browserPid(profile);
  if (!root) return null;
  const tree = children();
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop();
    total += kib(pid);
    todo.push(...(tree.get(pid) ?? []));
  }
  return total;
}
