import type { BridgePort, IntentPort, MatrixClientPort } from '../../src/matrix/index.js';

/**
 * A hand-written fake of the parts of matrix-appservice-bridge the Matrix frontend uses
 * (src/matrix/appservice-port.ts; STYLE.md §6, after hookshot's tests/utils/IntentMock.ts), over
 * a small model of a homeserver: rooms with members and a timeline, display names, registered
 * users, and transaction ids deduplicated per (user, txnId) as the client-server API requires.
 * Failures are injected as the library reports them: `down` rejects like a refused connection,
 * `failNext` like a MatrixError with a status code and errcode.
 */

export interface FakeEvent {
  readonly eventId: string;
  readonly roomId: string;
  readonly sender: string;
  readonly type: string;
  readonly content: Record<string, unknown>;
  readonly stateKey?: string;
}

export interface FakeRoom {
  readonly roomId: string;
  readonly members: Map<string, 'invite' | 'join' | 'leave'>;
  readonly state: Map<string, Record<string, unknown>>;
  readonly createOptions?: Record<string, unknown>;
}

/** What matrix-bot-sdk's MatrixError carries. */
export class FakeMatrixError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errcode: string,
  ) {
    super(`${statusCode} ${errcode}`);
  }
}

export class FakeHomeserver {
  readonly rooms = new Map<string, FakeRoom>();
  readonly timeline: FakeEvent[] = [];
  readonly registered = new Set<string>();
  readonly displayNames = new Map<string, string>();
  /** The media repository: mxc URI -> what was uploaded. */
  readonly media = new Map<string, { bytes: Buffer; name?: string; type?: string }>();
  /** Rooms where name and topic may not be changed (the bot's power level is too low). */
  readonly stateForbidden = new Set<string>();
  /** Every request that reached the fake, as "METHOD what", failed ones included. */
  readonly requests: string[] = [];
  down = false;
  private readonly failures: FakeMatrixError[] = [];
  private readonly txns = new Map<string, string>();
  private seq = 0;

  constructor(readonly botUserId: string) {
    this.registered.add(botUserId);
  }

  failNext(statusCode: number, errcode: string, n = 1): void {
    for (let i = 0; i < n; i++) this.failures.push(new FakeMatrixError(statusCode, errcode));
  }

  /** A room made by someone outside the bridge; `members` are joined. */
  addRoom(roomId: string, members: readonly string[], state: Record<string, Record<string, unknown>> = {}): FakeRoom {
    const room: FakeRoom = { roomId, members: new Map(members.map((m) => [m, 'join'])), state: new Map(Object.entries(state)) };
    this.rooms.set(roomId, room);
    return room;
  }

  messages(roomId: string): FakeEvent[] {
    return this.timeline.filter((e) => e.roomId === roomId && e.type === 'm.room.message');
  }

  bodies(roomId: string): string[] {
    return this.messages(roomId).map((e) => String(e.content['body']));
  }

  /** Runs one request: counts it, then fails it if asked to. */
  async request(what: string): Promise<void> {
    this.requests.push(what);
    await Promise.resolve();
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8008'), { code: 'ECONNREFUSED' });
    const f = this.failures.shift();
    if (f) throw f;
  }

  room(roomId: string): FakeRoom {
    const r = this.rooms.get(roomId);
    if (!r) throw new FakeMatrixError(404, 'M_NOT_FOUND');
    return r;
  }

  send(userId: string, roomId: string, type: string, content: Record<string, unknown>, txnId: string): string {
    const key = `${userId}\0${txnId}`;
    const seen = this.txns.get(key);
    if (seen) return seen;
    if (this.room(roomId).members.get(userId) !== 'join') throw new FakeMatrixError(403, 'M_FORBIDDEN');
    const eventId = `$ev${++this.seq}`;
    this.txns.set(key, eventId);
    this.timeline.push({ eventId, roomId, sender: userId, type, content });
    return eventId;
  }

  newRoomId(): string {
    return `!r${++this.seq}:fake`;
  }
}

class FakeClient implements MatrixClientPort {
  constructor(
    private readonly hs: FakeHomeserver,
    private readonly userId: string,
  ) {}

  async downloadContent(mxcUrl: string): Promise<{ data: Buffer; contentType: string }> {
    await this.hs.request(`download ${mxcUrl}`);
    const m = this.hs.media.get(mxcUrl);
    if (!m) throw new FakeMatrixError(404, 'M_NOT_FOUND');
    return { data: Buffer.from(m.bytes), contentType: m.type ?? 'application/octet-stream' };
  }

  async doRequest(method: string, endpoint: string, _qs?: unknown, body?: unknown): Promise<unknown> {
    const st = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/state\/([^/]+)\/$/.exec(endpoint);
    if (method === 'PUT' && st) {
      const roomId = decodeURIComponent(st[1]!);
      await this.hs.request(`state ${decodeURIComponent(st[2]!)} ${roomId}`);
      const room = this.hs.room(roomId);
      if (room.members.get(this.userId) !== 'join' || this.hs.stateForbidden.has(roomId)) throw new FakeMatrixError(403, 'M_FORBIDDEN');
      room.state.set(decodeURIComponent(st[2]!), body as Record<string, unknown>);
      return { event_id: this.hs.newRoomId().replace('!r', '$state') };
    }
    const rc = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/receipt\/m\.read\/([^/]+)$/.exec(endpoint);
    if (method === 'POST' && rc) {
      await this.hs.request(`receipt ${decodeURIComponent(rc[1]!)} ${decodeURIComponent(rc[2]!)}`);
      return {};
    }
    const m = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/send\/([^/]+)\/([^/]+)$/.exec(endpoint);
    if (method !== 'PUT' || !m) throw new Error(`fake-matrix: unsupported request ${method} ${endpoint}`);
    await this.hs.request(`send ${this.userId}`);
    const eventId = this.hs.send(this.userId, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), body as Record<string, unknown>, decodeURIComponent(m[3]!));
    return { event_id: eventId };
  }
}

export class FakeIntent implements IntentPort {
  readonly matrixClient: MatrixClientPort;

  constructor(
    private readonly hs: FakeHomeserver,
    readonly userId: string,
  ) {
    this.matrixClient = new FakeClient(hs, userId);
  }

  async ensureRegistered(): Promise<unknown> {
    if (this.hs.registered.has(this.userId)) return 'registered=true';
    await this.hs.request(`register ${this.userId}`);
    this.hs.registered.add(this.userId);
    return 'registered=true';
  }

  async setDisplayName(name: string): Promise<unknown> {
    await this.hs.request(`displayname ${this.userId}`);
    this.hs.displayNames.set(this.userId, name);
    return {};
  }

  /** Like Intent._ensureJoined: a user not invited is invited by the bot first, if the bot is in. */
  async join(roomId: string): Promise<string> {
    await this.hs.request(`join ${this.userId}`);
    const room = this.hs.room(roomId);
    const now = room.members.get(this.userId);
    if (now !== 'join' && now !== 'invite' && room.members.get(this.hs.botUserId) !== 'join') throw new FakeMatrixError(403, 'M_FORBIDDEN');
    room.members.set(this.userId, 'join');
    return roomId;
  }

  async invite(roomId: string, target: string): Promise<unknown> {
    await this.hs.request(`invite ${target}`);
    this.hs.room(roomId).members.set(target, 'invite');
    return {};
  }

  async getStateEvent(roomId: string, eventType: string, stateKey = '', returnNull = false): Promise<unknown> {
    await this.hs.request(`state ${roomId} ${eventType}`);
    const room = this.hs.room(roomId);
    if (eventType === 'm.room.member') {
      const name = this.hs.displayNames.get(stateKey);
      if (room.members.has(stateKey)) return { membership: room.members.get(stateKey), ...(name ? { displayname: name } : {}) };
    } else {
      const s = room.state.get(stateKey === '' ? eventType : `${eventType}\0${stateKey}`);
      if (s) return s;
    }
    if (returnNull) return null;
    throw new FakeMatrixError(404, 'M_NOT_FOUND');
  }

  async uploadContent(content: Buffer, opts: { name?: string; type?: string } = {}): Promise<string> {
    await this.hs.request(`upload ${this.userId}`);
    const uri = `mxc://fake/m${this.hs.media.size + 1}`;
    this.hs.media.set(uri, { bytes: Buffer.from(content), ...opts });
    return uri;
  }

  async createRoom(opts: { createAsClient?: boolean; options?: Record<string, unknown> }): Promise<{ room_id: string }> {
    await this.hs.request(`createRoom ${this.userId}`);
    const roomId = this.hs.newRoomId();
    const o = opts.options ?? {};
    const room: FakeRoom = { roomId, members: new Map([[this.userId, 'join']]), state: new Map(), createOptions: o };
    for (const u of (o['invite'] as string[] | undefined) ?? []) room.members.set(u, 'invite');
    if (typeof o['name'] === 'string') room.state.set('m.room.name', { name: o['name'] });
    if (typeof o['topic'] === 'string') room.state.set('m.room.topic', { topic: o['topic'] });
    this.hs.rooms.set(roomId, room);
    return { room_id: roomId };
  }
}

/** The Bridge's getIntent: one intent per user id, the bot's without an argument. */
export class FakeBridge implements BridgePort {
  readonly intents = new Map<string, FakeIntent>();

  constructor(readonly hs: FakeHomeserver) {}

  getIntent(userId?: string): FakeIntent {
    const id = userId ?? this.hs.botUserId;
    let i = this.intents.get(id);
    if (!i) {
      i = new FakeIntent(this.hs, id);
      this.intents.set(id, i);
    }
    return i;
  }
}

let eventSeq = 0;

/** An m.room.message event as a homeserver pushes it to an appservice. */
export function matrixEvent(roomId: string, sender: string, content: Record<string, unknown>, o: { type?: string; eventId?: string; stateKey?: string } = {}): Record<string, unknown> {
  return {
    type: o.type ?? 'm.room.message',
    room_id: roomId,
    sender,
    event_id: o.eventId ?? `$in${++eventSeq}`,
    origin_server_ts: 1_700_000_000_000,
    content,
    ...(o.stateKey !== undefined ? { state_key: o.stateKey } : {}),
  };
}
