// Test pages on loopback: /page/NAME answers a small page titled NAME.
import { createServer } from 'node:http';

/** Starts the server; resolves to {port, close}. */
export function servePages() {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(req.url.split('?')[0].split('/').pop() || 'index');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`<!doctype html><title>${name.replace(/[<&]/g, '')}</title><p>${'x'.repeat(200)}</p>`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ port: server.address().port, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
