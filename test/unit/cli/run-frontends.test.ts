import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkConfigured, startFrontends, startMedia, type FrontendContext } from '../../../src/cli/daemon/frontends.js';
import { addKnownSecrets } from '../../../src/cli/daemon/known-secrets.js';
import { loadConfigText } from '../../../src/config/index.js';
import { MediaLinks } from '../../../src/irc/index.js';
import { KnownSecrets } from '../../../src/observability/index.js';

// The frontend step of `katzenbridge run`: which frontends start, and that a failure stops the
// ones already started; and the secrets the daemon's logger is told to scrub.

const BASE = 'homeserver:\n  url: http://127.0.0.1:8008\n  domain: localhost\n';
const config = (extra = '') => loadConfigText(BASE + extra, 'c.yaml', { env: {}, readFile: () => 'from-file-secret' });
const ctx = (extra = '', matrix = true): FrontendContext => ({ config: config(extra), matrix, core: {} as never, db: {} as never, secrets: {} as never, stateDir: '/nonexistent', log: { log: () => undefined } });

describe('cli/daemon: frontends step', () => {
  it('starts the wanted frontends in order and none when none is wanted', async () => {
    const order: string[] = [];
    const starter = (name: string, wanted: boolean) => ({
      name,
      wanted: () => wanted,
      start: async () => (order.push(name), { name, description: name, stop: async () => undefined }),
    });
    const running = await startFrontends(ctx(), [starter('a', true), starter('b', false), starter('c', true)]);
    assert.deepEqual(running.map((r) => r.name), ['a', 'c']);
    assert.deepEqual(order, ['a', 'c']);
  });

  it('a frontend that fails to start stops those already started, then the error comes out', async () => {
    const stopped: string[] = [];
    const ok = (name: string) => ({ name, wanted: () => true, start: async () => ({ name, description: name, stop: async () => void stopped.push(name) }) });
    const broken = { name: 'x', wanted: () => true, start: async () => Promise.reject(new Error('no socket')) };
    await assert.rejects(startFrontends(ctx(), [ok('a'), ok('b'), broken]), /no socket/);
    assert.deepEqual(stopped, ['b', 'a']);
  });

  it('the media endpoint runs only with media.public_url; its cap is the lower of media and bridge max_file_bytes, its links signed and served', async () => {
    assert.equal(await startMedia(ctx()), undefined);
    const port = await new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'kb-media-'));
    const media = `media:\n  listen: 127.0.0.1:${port}\n  public_url: http://127.0.0.1:${port}/media\n  max_file_bytes: 5000\n`;
    const secrets = { deriveKey: (purpose: string) => new Uint8Array(32).fill(purpose.length) };
    const run = async (extra: string) => startMedia({ ...ctx(media + extra), secrets: secrets as never, stateDir: dir });
    try {
      const m = (await run(''))!;
      try {
        assert.equal(m.store.maxBytes, 5000);
        const id = await m.store.put({ name: 'a.txt', contentType: 'text/plain', bytes: new TextEncoder().encode('hello') });
        const url = m.links.create(id, 'a.txt');
        assert.ok(url.startsWith(`http://127.0.0.1:${port}/media/`), url);
        const res = await fetch(url);
        assert.deepEqual([res.status, await res.text()], [200, 'hello']);
        assert.equal((await fetch(url.replace(/.(?=[^/]*$)/, (ch) => (ch === 'a' ? 'b' : 'a')))).status >= 400, true, 'a tampered link is refused');
      } finally {
        await m.close();
      }
      const low = (await run('bridge:\n  max_file_bytes: 100\n'))!;
      assert.equal(low.store.maxBytes, 100);
      await low.close();
      // media.link_key replaces the derived key: links made under the other key are refused.
      const own = (await run(`  link_key: ${'z'.repeat(32)}\n`))!;
      try {
        const id = await own.store.put({ name: 'b.txt', contentType: 'text/plain', bytes: new TextEncoder().encode('hi') });
        assert.equal((await fetch(own.links.create(id, 'b.txt'))).status, 200);
        const derived = new MediaLinks({ key: secrets.deriveKey('irc media links'), baseUrl: `http://127.0.0.1:${port}/media`, ttlMs: 60_000 });
        assert.ok((await fetch(derived.create(id, 'b.txt'))).status >= 400);
      } finally {
        await own.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a channel mapping from the config to a group the bridge does not know is logged and skipped, not a failed start', async () => {
    const links: string[] = [];
    const logged: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const portals = {
      get: async (g: string) => (g === 'known' ? { groupId: g } : undefined),
      link: async (g: string, f: string, r: string) => (links.push(`${g} ${f} ${r}`), true),
    };
    const c: FrontendContext = { ...ctx(), core: { stores: { portals } } as never, log: { log: (l, e, f) => void logged.push([l, e, f]) } };
    assert.equal(await linkConfigured(c, 'libera', 'known' as never, 'irc-libera' as never, '#a' as never), true);
    assert.equal(await linkConfigured(c, 'libera', 'missing' as never, 'irc-libera' as never, '#b' as never), false);
    assert.deepEqual(links, ['known irc-libera #a']);
    assert.deepEqual(logged.map(([l, e, f]) => [l, e, f?.['group'], f?.['channel']]), [['warn', 'irc.config_channel_unknown_group', 'missing', '#b']]);
    assert.match(String(logged[0]![2]!['fix']), /link missing #b/);
  });
});

describe('cli/daemon: known secrets for the logger', () => {
  it('adds the appservice tokens and IRC passwords from the config, whatever their source', async () => {
    const known = new KnownSecrets();
    const c = config('  appservice:\n    as_token: as-inline-secret-123\n    hs_token_file: /x\nirc:\n  networks:\n    n:\n      host: h\n      password: irc-pass-secret-9\nmedia:\n  link_key: media-link-key-secret-0123456789abcdef\n');
    await addKnownSecrets(known, c, false);
    const text = known.scrub('as-inline-secret-123 from-file-secret irc-pass-secret-9 media-link-key-secret-0123456789abcdef keep');
    assert.doesNotMatch(text, /as-inline-secret-123|from-file-secret|irc-pass-secret-9|media-link-key/);
    assert.match(text, /keep$/);
  });
});
