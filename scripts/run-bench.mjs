// `npm run bench`: runs every `bench:*` script of package.json in turn, so each benchmark prints its
// own readable lines and closing JSON line. Fails if any benchmark fails.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const names = Object.keys(pkg.scripts).filter((n) => n.startsWith('bench:')).sort();
let failed = 0;
for (const name of names) {
  console.log(`\n=== npm run ${name}`);
  const r = spawnSync('npm', ['run', '--silent', name], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
if (failed) {
  console.error(`run-bench: ${failed} of ${names.length} benchmarks failed`);
  process.exit(1);
}
