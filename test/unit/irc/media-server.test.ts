import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaLinks, MediaStore, safeContentType, startMediaServer } from '../../../src/irc/index.js';

describe('irc media endpoint and store', () => {
  let dir: string;
  let store: MediaStore;
  let links: MediaLinks;
  let base: string;
  let close: () => Promise<void>;
  const now = { t: 1_700_000_000_000 };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kb-irc-media-'));
    store = new MediaStore(join(dir, 'm'), 1000);
    // The server reads the base path from the links, so it is bound first with a fixed path.
    const boot = new MediaLinks({ key: new Uint8Array(32).fill(3), baseUrl: 'http://127.0.0.1/media', ttlMs: 60_000, now: () => now.t });
    const s = await startMediaServer(boot, store, { host: '127.0.0.1', port: 0 });
    close = s.close;
    base = `http://127.0.0.1:${s.port}/media`;
    links = new MediaLinks({ key: new Uint8Array(32).fill(3), baseUrl: base, ttlMs: 60_000, now: () => now.t });
  });
  afterEach(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a stored file through its link with its bytes, type and safe headers', async () => {
    const bytes = new Uint8Array([1, 2, 3, 250]);
    const id = await store.put({ name: 'a b.png', contentType: 'image/png', bytes });
    const res = await fetch(links.create(id, 'a b.png'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(res.headers.get('content-disposition')!, /^inline; filename\*=UTF-8''a%20b\.png$/);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
  });

  it('serves HTML as an attachment in a sandbox, never inline on the bridge origin', async () => {
    const id = await store.put({ name: 'x.html', contentType: 'text/html', bytes: new TextEncoder().encode('<script>1</script>') });
    const res = await fetch(links.create(id, 'x.html'));
    assert.match(res.headers.get('content-disposition')!, /^attachment/);
    assert.match(res.headers.get('content-security-policy')!, /sandbox/);
  });

  it('answers 403 to expired and tampered links, 404 to unknown files and paths, 405 to POST', async () => {
    const id = await store.put({ name: 'f', contentType: 'text/plain', bytes: new Uint8Array([65]) });
    const url = links.create(id, 'f');
    assert.equal((await fetch(url.replace(/\/f$/, '/g'))).status, 403);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`http://${new URL(base).host}/elsewhere`)).status, 404);
    assert.equal((await fetch(url, { method: 'POST' })).status, 405);
    const other = await store.put({ name: 'f', contentType: 'text/plain', bytes: new Uint8Array([66]) });
    await store.prune(0, Date.now() + 1000);
    assert.equal((await fetch(links.create(other, 'f'))).status, 404, 'pruned file');
    now.t += 61_000;
    const expired = await fetch(url);
    assert.equal(expired.status, 403);
    now.t -= 61_000;
  });

  it('refuses a file over the size cap and keeps only plain MIME types', async () => {
    await assert.rejects(store.put({ name: 'big', contentType: 'text/plain', bytes: new Uint8Array(1001) }), RangeError);
    assert.equal(safeContentType('image/png'), 'image/png');
    assert.equal(safeContentType('text/html; charset=x'), 'application/octet-stream');
    assert.equal(safeContentType('evil\r\nSet-Cookie: a'), 'application/octet-stream');
  });
});
