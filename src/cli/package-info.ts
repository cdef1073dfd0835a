import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** name and version from katzenbridge's package.json, found by walking up from the build output. */
export function packageInfo(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'katzenbridge') return { name: pkg.name, version: pkg.version ?? '0.0.0' };
    }
    const up = dirname(dir);
    if (up === dir) return { name: 'katzenbridge', version: 'unknown' };
    dir = up;
  }
}
