/**
 * An IRC user's link forwarded as a file (issue 7: "only if the config allows it"). IRC cannot
 * carry files, so a line that is exactly one http(s) URL may be fetched by the bridge and sent to
 * the group as a file. Off by default: it makes the bridge fetch addresses strangers choose.
 * The body is read up to the cap and abandoned past it; a timeout bounds slow servers.
 */

export interface FetchedFile {
  readonly basename: string;
  readonly filetype: string;
  readonly bytes: Uint8Array;
}

export class LinkFetchError extends Error {
  override readonly name = 'LinkFetchError';
  constructor(
    readonly code: 'not_a_link' | 'too_large' | 'http_status' | 'network',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

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

export async function fetchLink(url: URL, o: { maxBytes: number; timeoutMs: number; fetchImpl?: typeof fetch }): Promise<FetchedFile> {
  let res: Response;
  try {
    res = await (o.fetchImpl ?? fetch)(url, { redirect: 'follow', signal: AbortSignal.timeout(o.timeoutMs) });
  } catch (e) {
    throw new LinkFetchError('network', 'the link could not be fetched', { cause: e });
  }
  if (!res.ok || !res.body) throw new LinkFetchError('http_status', `the link answered HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > o.maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw new LinkFetchError('too_large', `the file is larger than ${o.maxBytes} bytes`);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > o.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new LinkFetchError('too_large', `the file is larger than ${o.maxBytes} bytes`);
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  const last = decodeURIComponent(url.pathname.split('/').pop() ?? '').replace(/[\0-\x1f\x7f/\\]/g, '_');
  const filetype = (res.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim() || 'application/octet-stream';
  return { basename: last || 'download', filetype, bytes };
}
