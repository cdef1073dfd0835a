// A small scripted stand-in for kpclientd, for the thin client's unit tests: a real net server
// speaking the frames of the protocol module. It does the handshake and the session map of
// thin-client §1.4/§1.6, answers local requests with fixed dummy values, and holds mixnet
// requests until the test answers them. No Pigeonhole semantics (that is the emulator's job).
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import {
  type DecodedRequest, FrameDecoder, type RequestKey, type ResponseKey, type ResponseMap, decodeRequest, encodeCbor,
  encodeResponse,
} from '../../src/katzenpost/protocol/index.js';

export const SPHINX_GEOMETRY = {
  PacketLength: 3082, NrHops: 5, HeaderLength: 476, RoutingInfoLength: 410, PerHopRoutingInfoLength: 82, SURBLength: 572,
  SphinxPlaintextHeaderLength: 2, PayloadTagLength: 32, ForwardPayloadLength: 2574, UserForwardPayloadLength: 2000,
  NextNodeHopLength: 65, SPRPKeyMaterialLength: 64, NIKEName: 'x25519', KEMName: '',
};
export const PIGEONHOLE_GEOMETRY = {
  MaxPlaintextPayloadLength: 1549, CourierQueryReadLength: 2000, CourierQueryWriteLength: 2000,
  CourierQueryReplyReadLength: 1718, CourierQueryReplyWriteLength: 1718, NIKEName: 'CTIDH1024-X25519', SignatureSchemeName: 'Ed25519',
};

export interface Received {
  readonly conn: FakeConn;
  readonly req: DecodedRequest;
  /** The frame payload exactly as received. */
  readonly raw: Uint8Array;
}

export class FakeConn {
  appId: Uint8Array | undefined;
  closed = false;
  constructor(readonly socket: Socket) {}

  send<K extends ResponseKey>(key: K, body: Partial<ResponseMap[K]>): void {
    if (!this.closed) this.socket.write(encodeResponse(key, body));
  }

  /** Replies to a request with its query id (fields in `body` override). */
  reply(r: Received, key: ResponseKey, body: Record<string, unknown> = {}): void {
    const qid = (r.req as { body?: { query_id?: Uint8Array } }).body?.query_id;
    this.send(key, { query_id: qid, error_code: 0, ...body } as never);
  }

  raw(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  drop(): void {
    this.socket.destroy();
  }
}

const LOCAL_REPLIES: Partial<Record<RequestKey, [ResponseKey, () => Record<string, unknown>]>> = {
  new_keypair: ['new_keypair_reply', () => ({ write_cap: fill(168, 1), read_cap: fill(136, 2), first_message_index: fill(104, 3) })],
  encrypt_write: ['encrypt_write_reply', () => ({ message_ciphertext: fill(2000, 4), envelope_descriptor: fill(40, 5), envelope_hash: randomBytes(32), next_message_box_index: fill(104, 6) })],
  encrypt_read: ['encrypt_read_reply', () => ({ message_ciphertext: fill(2000, 4), envelope_descriptor: fill(40, 5), envelope_hash: randomBytes(32), next_message_box_index: fill(104, 6) })],
  next_message_box_index: ['next_message_box_index_reply', () => ({ next_message_box_index: fill(104, 7) })],
  cancel_resending_encrypted_message: ['cancel_resending_encrypted_message_reply', () => ({})],
  cancel_resending_copy_command: ['cancel_resending_copy_command_reply', () => ({})],
};

export const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);

export interface FakeDaemonOptions {
  /** Answer local requests automatically (default true). */
  readonly autoLocal?: boolean;
  /** Send the two handshake events on accept (default true). */
  readonly handshake?: boolean;
}

export class FakeDaemon {
  instanceToken = new Uint8Array(randomBytes(16));
  readonly received: Received[] = [];
  readonly conns: FakeConn[] = [];
  /** client_instance_token (hex) → app id: the session map of §1.6. */
  readonly sessions = new Map<string, Uint8Array>();
  /** Consulted before the automatic answers; return true when handled. */
  onRequest: ((r: Received) => boolean) | undefined;
  private waiters: (() => void)[] = [];
  private constructor(private readonly server: Server, readonly address: string, private readonly options: FakeDaemonOptions) {}

  static async start(options: FakeDaemonOptions = {}, listenPath?: string): Promise<FakeDaemon> {
    const server = createServer();
    await new Promise<void>((r) => (listenPath ? server.listen(listenPath, r) : server.listen(0, '127.0.0.1', r)));
    const address = listenPath ?? `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const d = new FakeDaemon(server, address, options);
    server.on('connection', (s) => d.accept(s));
    return d;
  }

  private accept(socket: Socket): void {
    const conn = new FakeConn(socket);
    this.conns.push(conn);
    const decoder = new FrameDecoder();
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conn.closed = true;
      this.wake();
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const p of decoder.push(chunk)) this.onFrame(conn, decodeRequest(p), p);
      } catch {
        socket.destroy(); // §1.2: the daemon closes on a frame it cannot decode
      }
    });
    if (this.options.handshake !== false) this.greet(conn);
    this.wake();
  }

  greet(conn: FakeConn, isConnected = true): void {
    conn.send('connection_status_event', {
      is_connected: isConnected, err: null, instance_token: this.instanceToken,
      sphinx_geometry: SPHINX_GEOMETRY, pigeonhole_geometry: PIGEONHOLE_GEOMETRY,
    });
    conn.send('new_pki_document_event', { payload: encodeCbor({ Epoch: 1234, Topology: [] }) });
  }

  private onFrame(conn: FakeConn, req: DecodedRequest, raw: Uint8Array): void {
    const r = { conn, req, raw };
    this.received.push(r);
    this.wake();
    if (this.onRequest?.(r)) return;
    if (req.key === 'session_token') {
      const token = Buffer.from(req.body.client_instance_token ?? []).toString('hex');
      const known = this.sessions.get(token);
      conn.appId = known ?? new Uint8Array(randomBytes(16));
      this.sessions.set(token, conn.appId);
      conn.send('session_token_reply', { app_id: conn.appId, resumed: known !== undefined });
      return;
    }
    if (req.key === 'thin_close') {
      for (const [t, id] of this.sessions) if (id === conn.appId) this.sessions.delete(t);
      return;
    }
    const auto = LOCAL_REPLIES[req.key as RequestKey];
    if (auto && this.options.autoLocal !== false) conn.reply(r, auto[0], auto[1]());
  }

  /** Requests of one type received so far. */
  requests(key: RequestKey): Received[] {
    return this.received.filter((r) => r.req.key === key);
  }

  /** Waits until `cond` holds (checked on every frame, connection and close). */
  async until(cond: () => boolean, what = 'condition', timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`fake daemon: timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 20);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async waitFor(key: RequestKey, count = 1): Promise<Received[]> {
    await this.until(() => this.requests(key).length >= count, `${count} × ${key}`);
    return this.requests(key);
  }

  /** A daemon restart: new instance token, sessions forgotten, every socket dropped. */
  restart(): void {
    this.instanceToken = new Uint8Array(randomBytes(16));
    this.sessions.clear();
    this.dropAll();
  }

  dropAll(): void {
    for (const c of this.conns) c.drop();
  }

  get live(): FakeConn[] {
    return this.conns.filter((c) => !c.closed);
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
