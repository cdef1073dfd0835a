import type { SynapseServer } from './servers/index.js';

export interface RoomEvent {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
}

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

  /** The room's m.room.message events, oldest first (up to 5000, newest kept). */
  async messages(room: string): Promise<RoomEvent[]> {
    const out: RoomEvent[] = [];
    let from: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await this.call<{ chunk: RoomEvent[]; end?: string }>('GET', `/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=500${from ? `&from=${encodeURIComponent(from)}` : ''}`);
      out.push(...r.chunk);
      if (!r.end || r.chunk.length === 0) break;
      from = r.end;
    }
    return out.filter((e) => e.type === 'm.room.message').reverse();
  }

  async state<T>(room: string, type: string, key = ''): Promise<T> {
    return this.call<T>('GET', `/rooms/${encodeURIComponent(room)}/state/${type}/${encodeURIComponent(key)}`);
  }

  /** Who has read up to which event in `room` (m.receipt, m.read), from an initial /sync. */
  async readReceipts(room: string): Promise<Record<string, string>> {
    const filter = JSON.stringify({ room: { rooms: [room], timeline: { limit: 1 } }, presence: { types: [] }, account_data: { types: [] } });
    const r = await this.call<{ rooms?: { join?: Record<string, { ephemeral?: { events?: Array<{ type: string; content: Record<string, { 'm.read'?: Record<string, unknown> }> }> } }> } }>(
      'GET',
      `/sync?timeout=0&filter=${encodeURIComponent(filter)}`,
    );
    const out: Record<string, string> = {};
    for (const e of r.rooms?.join?.[room]?.ephemeral?.events ?? []) {
      if (e.type !== 'm.receipt') continue;
      for (const [eventId, kinds] of Object.entries(e.content)) for (const user of Object.keys(kinds['m.read'] ?? {})) out[user] = eventId;
    }
    return out;
  }
}
