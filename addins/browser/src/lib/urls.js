// Which URLs are captured, and what is removed from them.

/** Browser-internal pages: never captured unless the user removes them from the list. */
export const DEFAULT_IGNORE = [
  'chrome://',
  'chrome-untrusted://',
  'chrome-search://',
  'edge://',
  'brave://',
  'opera://',
  'vivaldi://',
  'about:',
  'chrome-extension://',
  'moz-extension://',
  'devtools://',
  'view-source:',
  'resource://',
  'data:',
  'javascript:',
  'file:///dev/',
];

/** Removes `user:pass@` from a URL; returns it unchanged when it does not parse. */
export function stripCredentials(url) {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url;
  }
}

/** Whether a URL starts with one of the ignore-list prefixes (case-insensitive). */
export function isIgnored(url, ignore) {
  const lower = (url || '').toLowerCase();
  if (!lower) return true;
  return ignore.some((prefix) => prefix && lower.startsWith(prefix.toLowerCase()));
}

/** A short, stable hash (FNV-1a, 32 bits, hex) for item keys. */
export function shortHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
