// The command channel: long-poll, run plan/restore/capture, answer each command.
import { api } from './api.js';
import { capture } from './capture.js';
import { call } from './daemon.js';
import { current, reconnect } from './connection.js';
import { plan, restore } from './restore.js';
import { loadSettings } from './settings.js';

const WAIT_MS = 25000;
let loop = null;

async function run(command) {
  const [state, options] = command.args ?? [];
  switch (command.function) {
    case 'describe':
      return { name: 'browser', version: api.runtime.getManifest().version, schema: 1, capabilities: ['capture', 'plan', 'restore'] };
    case 'capture':
      return capture(await loadSettings());
    case 'plan':
      return plan(state, options);
    case 'restore':
      return restore(state, options);
    default:
      throw new Error(`unknown function ${command.function}`);
  }
}

async function answer(reg, command) {
  let body;
  try {
    body = { result: await run(command) };
  } catch (e) {
    body = { error: String(e?.message ?? e) };
  }
  await call(reg, 'POST', `/v1/addins/${encodeURIComponent(reg.id)}/commands/${encodeURIComponent(command.id)}`, body)
    .catch(() => {});
}

async function pollForever() {
  let failures = 0;
  for (;;) {
    const reg = await current();
    if (!reg) return;
    try {
      const path = `/v1/addins/${encodeURIComponent(reg.id)}/commands?wait_ms=${WAIT_MS}`;
      const { commands } = await call(reg, 'GET', path, undefined, { timeoutMs: WAIT_MS + 10000 });
      failures = 0;
      for (const command of commands ?? []) await answer(reg, command);
    } catch (e) {
      if (e?.status === 404 || e?.status === 401) {
        if (await reconnect(reg)) return;
        continue; // a newer registration replaced this one: poll with it
      }
      failures += 1;
      await new Promise((r) => setTimeout(r, Math.min(30000, 500 * 2 ** failures)));
    }
  }
}

/** Starts the poll loop unless one runs. */
export function startPolling() {
  loop ??= pollForever().finally(() => {
    loop = null;
  });
}
