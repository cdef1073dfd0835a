import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchLink, isPublicAddress, LinkFetchError, loneLink } from '../../../src/irc/index.js';

// The test server is on loopback, which the bridge refuses unless told otherwise.
const LOCAL = { maxBytes: 100, timeoutMs: 5000, allowPrivateAddresses: true };

describe('irc links forwarded as files', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/pic.png') {
        res.writeHead(200, { 'content-type': 'image/png; charset=binary' });
        res.end(Buffer.from([1, 2, 3]));
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/pic.png' });
        res.end();
      } else if (req.url === '/loop') {
        res.writeHead(301, { location: '/loop' });
        res.end();
      } else if (req.url === '/to-ftp') {
        res.writeHead(302, { location: 'ftp://example.org/x' });
        res.end();
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
    const f = await fetchLink(new URL(`${base}/pic.png`), LOCAL);
    assert.deepEqual(f, { basename: 'pic.png', filetype: 'image/png', bytes: new Uint8Array([1, 2, 3]) });
  });

  it('refuses a file over the cap and an HTTP error, with named codes', async () => {
    await assert.rejects(fetchLink(new URL(`${base}/big`), LOCAL), (e: unknown) => e instanceof LinkFetchError && e.code === 'too_large');
    await assert.rejects(fetchLink(new URL(`${base}/missing`), LOCAL), (e: unknown) => e instanceof LinkFetchError && e.code === 'http_status');
  });

  it('follows a redirect, but not a loop or one to another scheme', async () => {
    const f = await fetchLink(new URL(`${base}/moved`), LOCAL);
    assert.equal(f.basename, 'pic.png');
    assert.deepEqual(f.bytes, new Uint8Array([1, 2, 3]));
    await assert.rejects(fetchLink(new URL(`${base}/loop`), LOCAL), (e: unknown) => e instanceof LinkFetchError && e.code === 'too_many_redirects');
    await assert.rejects(fetchLink(new URL(`${base}/to-ftp`), LOCAL), (e: unknown) => e instanceof LinkFetchError && e.code === 'not_a_link');
  });

  it('refuses loopback and private addresses by default, by literal and by name, before connecting', async () => {
    let hits = 0;
    server.on('request', () => hits++);
    const strict = { maxBytes: 100, timeoutMs: 5000 };
    for (const url of [`${base}/pic.png`, `http://localhost:${new URL(base).port}/pic.png`, `http://[::1]:${new URL(base).port}/pic.png`, 'http://10.0.0.1/x', 'http://[::ffff:127.0.0.1]/x']) {
      await assert.rejects(fetchLink(new URL(url), strict), (e: unknown) => {
        assert.ok(e instanceof LinkFetchError && e.code === 'private_address', `${url}: ${String(e)}`);
        assert.match(e.message, /private or local address/);
        return true;
      });
    }
    assert.equal(hits, 0, 'nothing was fetched');
  });

  it('knows public from special-purpose addresses', () => {
    const table: Array<[string, boolean]> = [
      ['8.8.8.8', true],
      ['1.1.1.1', true],
      ['172.32.0.1', true],
      ['2606:4700::1111', true],
      ['::ffff:8.8.8.8', true],
      ['127.0.0.1', false],
      ['10.1.2.3', false],
      ['172.16.0.1', false],
      ['192.168.1.1', false],
      ['169.254.169.254', false],
      ['100.64.0.1', false],
      ['0.0.0.0', false],
      ['224.0.0.1', false],
      ['255.255.255.255', false],
      ['::1', false],
      ['::', false],
      ['fe80::1', false],
      ['fd12:3456::1', false],
      ['ff02::1', false],
      ['::ffff:127.0.0.1', false],
      ['::ffff:7f00:1', false],
      ['64:ff9b::a00:1', false],
      ['2001:db8::1', false],
      ['example.org', false],
    ];
    for (const [address, expected] of table) assert.equal(isPublicAddress(address), expected, address);
  });
});
