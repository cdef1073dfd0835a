import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MediaLinks } from './media-links.js';
import type { MediaStore } from './media-store.js';

/**
 * The HTTP endpoint behind media links (issue 7): GET of a signed, unexpired link returns the
 * file with its content type; anything else gets a plain status (403 for a bad or expired
 * signature, 404 for an unknown file) and no detail. Files are third-party content served from
 * the bridge's origin, so they come with nosniff, a sandboxing CSP, and as attachments unless
 * they are images, audio, video or plain text.
 */

const INLINE = /^(image\/(png|jpeg|gif|webp)|audio\/|video\/|text\/plain$)/;

export function mediaHandler(links: MediaLinks, store: MediaStore): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const end = (status: number, text: string): void => {
        res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        res.end(`${text}\n`);
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return end(405, 'method not allowed');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const rel = links.relative(path);
      if (rel === undefined) return end(404, 'not found');
      const check = links.check(rel);
      if (!check.ok) return end(check.reason === 'malformed' ? 404 : 403, check.reason === 'expired' ? 'link expired' : 'forbidden');
      const file = await store.get(check.fileId);
      if (!file) return end(404, 'not found');
      const disposition = INLINE.test(file.contentType) ? 'inline' : 'attachment';
      res.writeHead(200, {
        'content-type': file.contentType,
        'content-length': String(file.bytes.length),
        'content-disposition': `${disposition}; filename*=UTF-8''${encodeURIComponent(check.name)}`,
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : file.bytes);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

/** A standalone server for the media endpoint; resolves with the bound port. */
export async function startMediaServer(links: MediaLinks, store: MediaStore, listen: { host: string; port: number }): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(mediaHandler(links, store));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
