import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { repoPath } from '../support/paths.js';

// STYLE.md §2: imports point down. Which top-level folders of src/ each folder may import
// (besides itself). TypeScript allows cycles, so this test is what keeps the layers honest.
const MAY_IMPORT: Record<string, readonly string[]> = {
  ids: [],
  bacap: [],
  katzenpost: ['bacap', 'ids'],
  groupchat: ['bacap', 'katzenpost', 'ids'],
  store: ['ids'],
  config: ['ids'],
  observability: ['ids', 'config'],
  bridge: ['groupchat', 'katzenpost', 'bacap', 'store', 'config', 'ids', 'observability'],
  matrix: ['bridge', 'groupchat', 'store', 'config', 'ids', 'observability'],
  irc: ['bridge', 'groupchat', 'store', 'config', 'ids', 'observability'],
  cli: ['*'],
};
// Only the composition root and tests may reach the emulator (STYLE.md §2).
const EMULATOR = ['katzenpost', 'emulator'].join(sep);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('layering (STYLE.md §2)', () => {
  it('every import in src/ points down the layer table', () => {
    const src = repoPath('src');
    const problems: string[] = [];
    for (const file of sourceFiles(src)) {
      const from = relative(src, file).split(sep)[0]!;
      const allowed = MAY_IMPORT[from];
      if (!allowed) {
        problems.push(`src/${from} is not in the layer table of test/unit/layering.test.ts`);
        continue;
      }
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = relative(src, resolve(dirname(file), m[1]!));
        const to = target.split(sep)[0]!;
        if (to === from || to.startsWith('..')) continue;
        if (!allowed.includes('*') && !allowed.includes(to)) {
          problems.push(`${relative(src, file)} imports ${m[1]} (${from} may not import ${to})`);
        }
        if (target.startsWith(EMULATOR) && from !== 'cli' && !relative(src, file).startsWith(EMULATOR)) {
          problems.push(`${relative(src, file)} imports the emulator; only cli/ and tests may`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});
