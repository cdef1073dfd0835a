import type { SynapseServer } from './servers/index.js';

/** A Matrix user on the client-server API of a test Synapse (e2e tests and bench:matrix). */
export class MatrixUser {
  private txn = 0;
  constructor(
    protected readonly hs: SynapseServer,
    readonly userId: string,
    readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.hs.url}/_matrix/client/v3${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${this.userId} ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  /** Sends an event with a fresh transaction id; resolves with its event id. */
  async send(room: string, content: Record<string, unknown>, type = 'm.room.message'): Promise<string> {
    const r = await this.call<{ event_id: string }>('PUT', `/rooms/${encodeURIComponent(room)}/send/${type}/t${Date.now()}-${++this.txn}`, content);
    return r.event_id;
  }

  text(room: string, body: string, msgtype = 'm.text'): Promise<string> {
    return this.send(room, { msgtype, body });
  }
}
