import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inlineSecretKeys, warnIfInlineSecretsReadable } from '../../../src/cli/daemon/config-exposure.js';
import { checkConfigFile, PROCESS_ENVIRONMENT, type Config } from '../../../src/config/index.js';
import { Logger } from '../../../src/observability/index.js';

// The config is readable by the service under systemd (so a reload sees edits); an inline secret
// in it is named by key path at start and reload, never shown.

const LINK_KEY = 'k'.repeat(40);

describe('cli/daemon: inline secrets in a readable config', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kb-exposure-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function load(extra: string): { path: string; config: Config } {
    const path = join(dir, 'config.yaml');
    writeFileSync(path, `homeserver:\n  url: http://127.0.0.1:8008\n  domain: localhost\n${extra}`);
    const { config, problems } = checkConfigFile(path, { ...PROCESS_ENVIRONMENT, env: {} });
    assert.ok(config, JSON.stringify(problems));
    return { path, config };
  }
  function logger(): { log: Logger; lines: string[] } {
    const lines: string[] = [];
    return { log: Logger.create({ level: 'debug', json: true, sink: (l) => lines.push(l) }), lines };
  }

  it('names an inline secret by key path when the file is readable by others, without its value', () => {
    const { path, config } = load(`media:\n  link_key: ${LINK_KEY}\n`);
    assert.deepEqual(inlineSecretKeys(config), ['media.link_key']);
    chmodSync(path, 0o644);
    const { log, lines } = logger();
    assert.deepEqual(warnIfInlineSecretsReadable(path, config, log), ['media.link_key']);
    assert.equal(lines.length, 1);
    const ev = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(ev['event'], 'config.inline_secrets_readable');
    assert.deepEqual(ev['keys'], ['media.link_key']);
    assert.equal(ev['mode'], '0644');
    assert.ok(!lines[0]!.includes(LINK_KEY), 'the value is never logged');
  });

  it('says nothing for a file only its owner reads, or for secrets from files', () => {
    const inline = load(`media:\n  link_key: ${LINK_KEY}\n`);
    chmodSync(inline.path, 0o600);
    const a = logger();
    assert.deepEqual(warnIfInlineSecretsReadable(inline.path, inline.config, a.log), []);
    assert.deepEqual(a.lines, []);

    const keyFile = join(dir, 'link-key');
    writeFileSync(keyFile, LINK_KEY, { mode: 0o600 });
    const fromFile = load(`media:\n  link_key_file: ${keyFile}\n`);
    chmodSync(fromFile.path, 0o644);
    assert.deepEqual(inlineSecretKeys(fromFile.config), []);
    const b = logger();
    assert.deepEqual(warnIfInlineSecretsReadable(fromFile.path, fromFile.config, b.log), []);
    assert.deepEqual(b.lines, []);
  });
});
