import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { checkConfigText, renderSample, SCHEMA } from '../../../src/config/index.js';
import type { AnyField } from '../../../src/config/fields.js';
import { repoPath } from '../../support/paths.js';

/** Every key path the schema defines (map entries under their example name; secrets as KEY_file). */
function keyPaths(fields: Readonly<Record<string, AnyField>>, prefix = ''): string[] {
  return Object.entries(fields).flatMap(([key, f]): string[] => {
    const path = prefix ? `${prefix}.${key}` : key;
    switch (f.kind) {
      case 'section':
        return [path, ...keyPaths(f.fields, path)];
      case 'map':
        return [path, ...keyPaths(f.entry.fields, `${path}.${f.exampleKey}`)];
      case 'secret':
        return [`${path}_file`];
      default:
        return [path];
    }
  });
}

/** The key paths written in a YAML text, commented-out keys included (`# key:` after the #). */
function pathsInSample(text: string): Set<string> {
  const found = new Set<string>();
  const stack: { indent: number; key: string }[] = [];
  for (const raw of text.split('\n')) {
    // `# key: v` is a commented key at the '#' column; `#  key:` (map entry examples) keeps the
    // spaces after the '#' as indentation.
    let line = raw;
    for (let c = /^(\s*)#( ?)( *)(.*)$/.exec(line); c; c = /^(\s*)#( ?)( *)(.*)$/.exec(line)) {
      if (!/^(#\s*)?[a-z_]+:( |$)/.test(c[4]!)) break;
      line = c[3] === '' ? `${c[1]}${c[4]}` : `${c[1]}${c[2]}${c[3]}${c[4]}`;
    }
    const m = /^(\s*)([a-z_]+):( |$)/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    stack.push({ indent, key: m[2]! });
    found.add(stack.map((s) => s.key).join('.'));
  }
  return found;
}

describe('config.sample.yaml', () => {
  const committed = readFileSync(repoPath('config.sample.yaml'), 'utf8');

  it('is exactly what the schema renders (run `npm run config:sample` after changing the schema)', () => {
    assert.ok(committed === renderSample(), 'config.sample.yaml differs from the schema: run npm run config:sample and commit the result');
  });

  it('documents every key of the schema', () => {
    const written = pathsInSample(committed);
    const missing = keyPaths(SCHEMA.fields).filter((p) => !written.has(p));
    assert.deepEqual(missing, []);
  });

  it('gives every key a description comment', () => {
    const lines = committed.split('\n');
    lines.forEach((line, i) => {
      if (/^\s*[a-z_]+:/.test(line)) assert.match(lines[i - 1] ?? '', /^\s*#/, `line ${i + 1} (${line.trim()}) has no comment above it`);
    });
  });

  it('is itself a valid config', () => {
    const r = checkConfigText(committed, { env: {}, readFile: () => { throw new Error('no files'); } });
    assert.deepEqual(r.problems.map(String), []);
  });

  it('the sample check can fail: a changed default is noticed', () => {
    assert.notEqual(committed.replace('port: 29340', 'port: 29341'), renderSample());
  });
});
