// Builds dist/chromium and dist/firefox from src/ with each browser's manifest.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, firefox } from './manifests.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const base = JSON.parse(readFileSync(join(root, 'src/manifest.base.json'), 'utf8'));

for (const [name, make] of [['chromium', chromium], ['firefox', firefox]]) {
  const out = join(root, 'dist', name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(join(root, 'src'), out, {
    recursive: true,
    filter: (path) => !path.endsWith('manifest.base.json'),
  });
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(make(base), null, 2)}\n`);
  console.log(`built ${out}`);
}
