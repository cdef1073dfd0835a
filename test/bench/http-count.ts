// HTTP requests seen by this process, by kind, so bench:matrix can say how many round trips to
// Synapse a bridged message costs next to a client's one send (issue 6 "bridged >= 0.9x direct").
// Node's diagnostics channels see every request without patching a module: `http.client.*` for
// the bridge's own requests (matrix-bot-sdk goes through node:http), `undici:*` for the bench's
// clients (fetch), and `http.server.*` for what Synapse pushes to the appservice.
import { subscribe } from 'node:diagnostics_channel';

export type Counts = Record<string, number>;

/** A request's kind: its method and path with room ids, event ids, user ids and transaction ids
 *  folded away, e.g. "PUT /rooms/_/send/m.room.message/_". */
export function kindOf(method: string, path: string): string {
  const segs = path.replace(/\?.*$/, '').replace(/^\/_matrix\/(client|app)\/(v3|r0|v1)/, '').split('/');
  const folded = segs.map((seg, i) => {
    if (/^(%21|%24|%40|[!$@])/i.test(seg)) return '_'; // a room, event or user id
    if (segs[i - 2] === 'send' || segs[i - 1] === 'transactions') return '_'; // a transaction id
    return seg;
  });
  return `${method} ${folded.join('/')}`;
}

export class HttpCounter {
  /** Requests the bridge (node:http) made. */
  readonly bridge: Counts = {};
  /** Requests the bench's clients (fetch) made. */
  readonly clients: Counts = {};
  /** Requests this process served (the homeserver pushing transactions to the appservice). */
  readonly served: Counts = {};

  constructor() {
    const add = (c: Counts, k: string): void => void (c[k] = (c[k] ?? 0) + 1);
    subscribe('http.client.request.start', (m) => {
      const r = (m as { request: { method: string; path: string } }).request;
      add(this.bridge, kindOf(r.method, r.path));
    });
    subscribe('undici:request:create', (m) => {
      const r = (m as { request: { method: string; path: string } }).request;
      add(this.clients, kindOf(r.method, r.path));
    });
    subscribe('http.server.request.start', (m) => {
      const r = (m as { request: { method?: string; url?: string } }).request;
      add(this.served, kindOf(r.method ?? '?', r.url ?? '?'));
    });
  }

  snapshot(): { bridge: Counts; clients: Counts; served: Counts } {
    return { bridge: { ...this.bridge }, clients: { ...this.clients }, served: { ...this.served } };
  }

  /** What happened since `before`, per message (n messages), kinds that occurred only. */
  since(before: ReturnType<HttpCounter['snapshot']>, n: number): { bridge: Counts; clients: Counts; served: Counts } {
    const diff = (now: Counts, then: Counts): Counts =>
      Object.fromEntries(
        Object.entries(now)
          .map(([k, v]) => [k, Math.round(((v - (then[k] ?? 0)) / n) * 100) / 100] as const)
          .filter(([, v]) => v > 0),
      );
    return { bridge: diff(this.bridge, before.bridge), clients: diff(this.clients, before.clients), served: diff(this.served, before.served) };
  }
}

/** "PUT /rooms/_/send/m.room.message/_ 1, POST /rooms/_/receipt/m.read/_ 0.98" */
export const describeCounts = (c: Counts): string =>
  Object.entries(c)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';
