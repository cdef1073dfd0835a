import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPublicAddress, PrivateAddressError } from './public-address.js';

/**
 * An IRC user's link forwarded as a file (issue 7: "only if the config allows it"). IRC cannot
 * carry files, so a line that is exactly one http(s) URL may be fetched by the bridge and sent to
 * the group as a file. Off by default: it makes the bridge fetch addresses strangers choose.
 *
 * Because strangers choose them, only public addresses are fetched (unless the operator allows
 * private ones): no loopback, private, link-local or other special ranges, so a link cannot
 * reach the homeserver's admin API, the bridge's own /metrics or anything else on the host's
 * network. The check runs on the address actually connected to (a DNS lookup hook), so a name
 * that resolves differently the second time cannot slip past it, and redirects are followed by
 * hand, each hop checked again. The body is read up to the cap and abandoned past it; one
 * timeout bounds the whole fetch.
 */

export interface FetchedFile {
  readonly basename: string;
  readonly filetype: string;
  readonly bytes: Uint8Array;
}

export interface FetchLinkOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Fetch loopback and private addresses too (tests; a bridge on a trusted LAN). */
  readonly allowPrivateAddresses?: boolean;
}

export class LinkFetchError extends Error {
  override readonly name = 'LinkFetchError';
  constructor(
    readonly code: 'not_a_link' | 'too_large' | 'http_status' | 'network' | 'private_address' | 'too_many_redirects',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MAX_REDIRECTS = 3;
const PRIVATE = 'the link points at a private or local address, which this bridge does not fetch';

/** The URL if `text` is a single http(s) link and nothing else. */
export function loneLink(text: string): URL | undefined {
  const t = text.trim();
  if (!/^https?:\/\/\S+$/i.test(t)) return undefined;
  try {
    const u = new URL(t);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

export async function fetchLink(url: URL, o: FetchLinkOptions): Promise<FetchedFile> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  let at = url;
  for (let hop = 0; ; hop++) {
    const res = await get(at, o, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new LinkFetchError('too_many_redirects', `the link redirected more than ${MAX_REDIRECTS} times`);
      const next = loneLink(new URL(location, at).href);
      if (!next) throw new LinkFetchError('not_a_link', 'the link redirected to something that is not an http(s) address');
      at = next;
      continue;
    }
    if (status < 200 || status >= 300) {
      res.resume();
      throw new LinkFetchError('http_status', `the link answered HTTP ${status}`);
    }
    const bytes = await readCapped(res, o.maxBytes);
    const last = decodeURIComponent(at.pathname.split('/').pop() ?? '').replace(/[\0-\x1f\x7f/\\]/g, '_');
    const filetype = (res.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim() || 'application/octet-stream';
    return { basename: last || 'download', filetype, bytes };
  }
}

function get(url: URL, o: FetchLinkOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A literal address is connected to without a lookup, so it is checked here.
  if (!o.allowPrivateAddresses && isIP(host) && !isPublicAddress(host)) {
    return Promise.reject(new LinkFetchError('private_address', PRIVATE));
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { signal, ...(o.allowPrivateAddresses ? {} : { lookup: guardedLookup }) }, resolve);
    req.on('error', (e) => {
      if (e instanceof PrivateAddressError) reject(new LinkFetchError('private_address', PRIVATE));
      else reject(new LinkFetchError('network', 'the link could not be fetched', { cause: e }));
    });
    req.end();
  });
}

async function readCapped(res: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (declared > maxBytes) {
    res.destroy();
    throw new LinkFetchError('too_large', `the file is larger than ${maxBytes} bytes`);
  }
  const parts: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        res.destroy();
        throw new LinkFetchError('too_large', `the file is larger than ${maxBytes} bytes`);
      }
      parts.push(chunk);
    }
  } catch (e) {
    if (e instanceof LinkFetchError) throw e;
    throw new LinkFetchError('network', 'the link could not be fetched', { cause: e });
  }
  return new Uint8Array(Buffer.concat(parts, total));
}
