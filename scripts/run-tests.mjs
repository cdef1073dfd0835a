// Runs the mocha suites over the compiled tests in dist/ and ends with one plain summary line
// ("tests: N passed, N failed, N skipped") that CI reads. Usage: node scripts/run-tests.mjs [unit|integration|e2e|all] [grep]
import Mocha from 'mocha';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MIN_NODE_MAJOR = 22;
const SUITES = { unit: ['unit'], integration: ['integration'], e2e: ['e2e'], all: ['unit', 'integration', 'e2e'] };

const which = process.argv[2] ?? 'all';
const grep = process.argv[3];
if (!(which in SUITES)) {
  console.error(`run-tests: unknown suite "${which}"; expected one of ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}
const major = Number(process.versions.node.split('.')[0]);
console.log(`katzenbridge tests on Node ${process.versions.node} (${process.execPath})`);
if (major < MIN_NODE_MAJOR) {
  console.error(`run-tests: Node ${MIN_NODE_MAJOR} or newer is required; run through npm so the pinned runtime in node_modules/.bin is used`);
  process.exit(2);
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const root = resolve(import.meta.dirname, '..');
// KB_BUILD_DIR lets several people build into separate folders of the same checkout.
const buildDir = resolve(root, process.env.KB_BUILD_DIR ?? 'dist');
const mocha = new Mocha({ timeout: 60_000, reporter: 'spec', ...(grep ? { grep } : {}) });
for (const suite of SUITES[which]) {
  for (const file of testFiles(join(buildDir, 'test', suite))) mocha.addFile(file);
}
await mocha.loadFilesAsync();
const runner = mocha.run((failures) => {
  const s = runner.stats ?? { passes: 0, failures, pending: 0, tests: 0 };
  console.log(`tests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`);
  if (s.passes === 0 && s.failures === 0) {
    console.error('run-tests: no test ran');
    process.exitCode = 1;
  } else {
    process.exitCode = failures ? 1 : 0;
  }
});
