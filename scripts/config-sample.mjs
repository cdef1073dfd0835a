// Writes config.sample.yaml (from the config schema) and the sample registration.yaml (placeholder
// tokens) from the compiled sources. `--check` only compares and exits 1 when either differs.
// Usage: npm run config:sample [-- --check]   (builds first; KB_BUILD_DIR picks another build folder)
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const build = resolve(root, process.env.KB_BUILD_DIR ?? 'dist');
const { renderSample } = await import(pathToFileURL(resolve(build, 'src/config/index.js')).href);
const { renderSampleRegistration } = await import(pathToFileURL(resolve(build, 'src/cli/registration.js')).href);

const check = process.argv.includes('--check');
let stale = 0;
for (const [name, text] of [['config.sample.yaml', renderSample()], ['registration.yaml', renderSampleRegistration()]]) {
  const path = resolve(root, name);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === text) {
    console.log(`${name}: up to date`);
  } else if (check) {
    console.error(`${name}: differs from the schema; run npm run config:sample`);
    stale++;
  } else {
    writeFileSync(path, text);
    console.log(`${name}: written`);
  }
}
process.exitCode = stale ? 1 : 0;
