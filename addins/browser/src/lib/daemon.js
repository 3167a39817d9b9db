// Requests to the daemon with the add-in token, and the error shape of the protocol.

/** An answer the daemon gave with an error code. */
export class DaemonError extends Error {
  constructor(status, code, message) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

/** Sends one request; returns the parsed JSON answer (null for 204). */
export async function call(reg, method, path, body, { timeoutMs = 10000 } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const headers = { Authorization: `Bearer ${reg.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${reg.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) {
      throw new DaemonError(response.status, json?.error?.code ?? 'error', json?.error?.message ?? text);
    }
    return json;
  } finally {
    clearTimeout(timer);
  }
}

/** The registration request this add-in sends (pairing and renewal). */
export function registerBody(id, version, heartbeatMs) {
  return {
    id,
    type: 'push',
    name: id === 'browser-firefox' ? 'Firefox' : 'Chromium',
    version,
    protocols: [1],
    capabilities: ['capture', 'plan', 'restore'],
    heartbeat_interval_ms: heartbeatMs,
  };
}
