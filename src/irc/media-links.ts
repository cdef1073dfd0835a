import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to files the bridge serves to IRC users (issue 7 "Files from
 * Katzenpost"). The path names the file and its expiry; the signature is HMAC-SHA256 over both
 * under the bridge's media key, so a link can be neither forged, pointed at another file, nor
 * extended. Anyone holding a link can fetch the file until it expires, which is why links are
 * short-lived (config media.link_ttl_seconds).
 */

export const MIN_KEY_BYTES = 32;
const SIG_BYTES = 32;

export type LinkCheck =
  | { readonly ok: true; readonly fileId: string; readonly name: string }
  | { readonly ok: false; readonly reason: 'malformed' | 'bad_signature' | 'expired' };

export interface MediaLinkOptions {
  readonly key: Uint8Array;
  /** Public base URL, e.g. https://bridge.example.org/media (config media.public_url). */
  readonly baseUrl: string;
  readonly ttlMs: number;
  readonly now?: () => number;
}

const FILE_ID = /^[A-Za-z0-9_-]{8,64}$/;

export class MediaLinks {
  private readonly key: Buffer;
  private readonly base: URL;
  private readonly now: () => number;

  constructor(private readonly o: MediaLinkOptions) {
    if (!(o.key instanceof Uint8Array)) throw new TypeError('MediaLinks: key must be a Uint8Array');
    if (o.key.length < MIN_KEY_BYTES) throw new RangeError(`MediaLinks: key must be at least ${MIN_KEY_BYTES} bytes, got ${o.key.length}`);
    if (!Number.isInteger(o.ttlMs) || o.ttlMs < 1) throw new RangeError('MediaLinks: ttlMs must be a positive integer');
    this.key = Buffer.from(o.key);
    this.base = new URL(o.baseUrl.endsWith('/') ? o.baseUrl : `${o.baseUrl}/`);
    this.now = o.now ?? Date.now;
  }

  /** How long a link works; files older than this can no longer be fetched. */
  get ttlMs(): number {
    return this.o.ttlMs;
  }

  /** A link's signature over what its path names (`ID/EXPIRY/SIG/NAME` below the base). */
  private sign(fileId: string, expiresAt: number, name: string): string {
    return createHmac('sha256', this.key).update(`katzenbridge media v1\0${fileId}\0${expiresAt}\0${name}`).digest('base64url');
  }

  /** A link to `fileId` shown as `name`, valid for ttlMs from now. */
  create(fileId: string, name: string): string {
    if (!FILE_ID.test(fileId)) throw new RangeError('MediaLinks.create: fileId must be 8..64 of [A-Za-z0-9_-]');
    const exp = Math.floor((this.now() + this.o.ttlMs) / 1000);
    const safeName = name.replace(/[\0-\x1f\x7f/\\]/g, '_').slice(0, 120) || 'file';
    return new URL(`${fileId}/${exp}/${this.sign(fileId, exp, safeName)}/${encodeURIComponent(safeName)}`, this.base).toString();
  }

  /** Checks the part of a request path below the base. Never throws on hostile input. */
  check(relativePath: string): LinkCheck {
    const parts = relativePath.replace(/^\/+/, '').split('/');
    if (parts.length !== 4) return { ok: false, reason: 'malformed' };
    const [fileId, expText, sig, encName] = parts as [string, string, string, string];
    let name: string;
    try {
      name = decodeURIComponent(encName);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!FILE_ID.test(fileId) || !/^\d{1,12}$/.test(expText) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return { ok: false, reason: 'malformed' };
    const exp = Number(expText);
    const want = Buffer.from(this.sign(fileId, exp, name), 'base64url');
    const got = Buffer.from(sig, 'base64url');
    if (got.length !== SIG_BYTES || !timingSafeEqual(want, got)) return { ok: false, reason: 'bad_signature' };
    // Checked after the signature, so an attacker learns nothing about expiry of forged links.
    if (this.now() >= exp * 1000) return { ok: false, reason: 'expired' };
    return { ok: true, fileId, name };
  }

  /** The request path's part below the base path, or undefined if it is outside it. */
  relative(requestPath: string): string | undefined {
    const basePath = this.base.pathname;
    return requestPath.startsWith(basePath) ? requestPath.slice(basePath.length) : undefined;
  }
}
