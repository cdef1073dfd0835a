import { strict as assert } from 'node:assert';
import { MediaLinks } from '../../../src/irc/index.js';

const KEY = new Uint8Array(32).fill(7);
const base = (now: { t: number }) => new MediaLinks({ key: KEY, baseUrl: 'https://bridge.example.org/media', ttlMs: 60_000, now: () => now.t });
const rel = (links: MediaLinks, url: string): string => links.relative(new URL(url).pathname)!;

describe('irc signed media links', () => {
  it('creates a link under the base URL that verifies to its file and name', () => {
    const now = { t: 1_700_000_000_000 };
    const links = base(now);
    const url = links.create('AAAAAAAAAAAAAAAAAAAAAA', 'photo 1.png');
    assert.ok(url.startsWith('https://bridge.example.org/media/AAAAAAAAAAAAAAAAAAAAAA/'));
    assert.deepEqual(links.check(rel(links, url)), { ok: true, fileId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'photo 1.png' });
  });

  it('refuses a link once it has expired', () => {
    const now = { t: 1_700_000_000_000 };
    const links = base(now);
    const url = links.create('BBBBBBBBBBBBBBBBBBBBBB', 'a.txt');
    now.t += 59_000;
    assert.equal(links.check(rel(links, url)).ok, true);
    now.t += 2_000;
    assert.deepEqual(links.check(rel(links, url)), { ok: false, reason: 'expired' });
  });

  it('refuses a tampered file id, expiry, name or signature', () => {
    const now = { t: 1_700_000_000_000 };
    const links = base(now);
    const [id, exp, sig, name] = rel(links, links.create('CCCCCCCCCCCCCCCCCCCCCC', 'a.txt')).split('/') as [string, string, string, string];
    const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    for (const bad of [
      [flip(id), exp, sig, name],
      [id, String(Number(exp) + 3600), sig, name],
      [id, exp, sig, 'b.txt'],
      [id, exp, flip(sig), name],
    ]) {
      assert.deepEqual(links.check(bad.join('/')), { ok: false, reason: 'bad_signature' }, bad.join('/'));
    }
  });

  it('refuses a link signed with another key', () => {
    const now = { t: 1_700_000_000_000 };
    const other = new MediaLinks({ key: new Uint8Array(32).fill(8), baseUrl: 'https://bridge.example.org/media', ttlMs: 60_000, now: () => now.t });
    const links = base(now);
    assert.deepEqual(links.check(rel(links, other.create('DDDDDDDDDDDDDDDDDDDDDD', 'x'))), { ok: false, reason: 'bad_signature' });
  });

  it('answers malformed paths without throwing', () => {
    const links = base({ t: 0 });
    for (const p of ['', 'a/b', 'x/1/sig/n/extra', '../../etc/passwd/x', 'AAAAAAAAAAAAAAAAAAAAAA/abc/s/n', 'AAAAAAAAAAAAAAAAAAAAAA/1/s/%E0%A4%A']) {
      assert.deepEqual(links.check(p), { ok: false, reason: 'malformed' }, p);
    }
  });

  it('refuses a short key and a bad file id', () => {
    assert.throws(() => new MediaLinks({ key: new Uint8Array(16), baseUrl: 'https://x/m', ttlMs: 1 }), RangeError);
    assert.throws(() => base({ t: 0 }).create('../x', 'n'), RangeError);
  });
});
