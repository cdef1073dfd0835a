import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchLink, LinkFetchError, loneLink } from '../../../src/irc/index.js';

describe('irc links forwarded as files', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/pic.png') {
        res.writeHead(200, { 'content-type': 'image/png; charset=binary' });
        res.end(Buffer.from([1, 2, 3]));
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.alloc(5000));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('takes only a line that is exactly one http(s) link', () => {
    assert.ok(loneLink(' https://example.org/a.png '));
    assert.equal(loneLink('see https://example.org/a.png'), undefined);
    assert.equal(loneLink('ftp://example.org/a'), undefined);
    assert.equal(loneLink('javascript:alert(1)'), undefined);
  });

  it('fetches the file with its name and type', async () => {
    const f = await fetchLink(new URL(`${base}/pic.png`), { maxBytes: 100, timeoutMs: 5000 });
    assert.deepEqual(f, { basename: 'pic.png', filetype: 'image/png', bytes: new Uint8Array([1, 2, 3]) });
  });

  it('refuses a file over the cap and an HTTP error, with named codes', async () => {
    await assert.rejects(fetchLink(new URL(`${base}/big`), { maxBytes: 100, timeoutMs: 5000 }), (e: unknown) => e instanceof LinkFetchError && e.code === 'too_large');
    await assert.rejects(fetchLink(new URL(`${base}/missing`), { maxBytes: 100, timeoutMs: 5000 }), (e: unknown) => e instanceof LinkFetchError && e.code === 'http_status');
  });
});
