// A deliberately dumb thin-protocol peer for emulator tests: raw frames over a real socket through
// the shared protocol module's codec, no retries, so the tests exercise the emulator and not the
// client's logic. Every frame the emulator sends is also run through the protocol module's
// response schemas; a frame that fails them fails the test that reads it.
import { randomBytes } from 'node:crypto';
import { type Socket, connect } from 'node:net';
import { FrameDecoder, decodeCbor, decodeResponse, encodeFrame } from '../../src/katzenpost/protocol/index.js';

export type Frame = { key: string; body: Record<string, any>; raw: Record<string, unknown>; schemaError?: Error };

/** Any value as one frame, unchecked (so tests can send what a broken client would). */
export function frameBytes(value: unknown): Buffer {
  return Buffer.from(encodeFrame(value));
}

export const qid = (): Buffer => randomBytes(16);

export class RawClient {
  private readonly decoder = new FrameDecoder();
  private readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      for (const payload of this.decoder.push(d)) {
        const raw = decodeCbor(payload) as Record<string, unknown>;
        const entry = Object.entries(raw).find(([, v]) => v !== null);
        let schemaError: Error | undefined;
        try {
          decodeResponse(payload);
        } catch (e) {
          schemaError = e as Error;
        }
        this.frames.push({ key: entry?.[0] ?? '', body: (entry?.[1] ?? {}) as Record<string, any>, raw, schemaError });
        this.wake();
      }
    });
    socket.on('error', () => undefined);
    this.closedPromise = new Promise((r) => socket.on('close', () => {
      this.closed = true;
      this.wake();
      r();
    }));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Connects and reads the two handshake frames; sends a session token unless `token` is null. */
  static async open(address: string, token: Buffer | null = randomBytes(16)): Promise<{ client: RawClient; status: Frame; pki: Frame; session?: Frame }> {
    const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
    const socket = m && !address.includes('/') ? connect(Number(m[2]), m[1]) : connect(address.startsWith('@') ? `\0${address.slice(1)}` : address);
    await new Promise<void>((res, rej) => socket.once('connect', res).once('error', rej));
    const client = new RawClient(socket);
    const status = await client.next();
    const pki = await client.next();
    if (token === null) return { client, status, pki };
    client.send({ session_token: { client_instance_token: token } });
    const session = await client.next('session_token_reply');
    return { client, status, pki, session };
  }

  send(request: unknown): void {
    this.socket.write(frameBytes(request));
  }

  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next frame (optionally the next with this key, skipping nothing else: it must match). */
  async next(key?: string, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error(`connection closed while waiting for ${key ?? 'a frame'}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${key ?? 'a frame'}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    const f = this.frames.shift()!;
    if (f.schemaError) throw new Error(`${f.key} does not match the protocol schema: ${f.schemaError.message}`);
    if (key !== undefined && f.key !== key) throw new Error(`expected ${key}, got ${f.key} ${JSON.stringify(f.body.error_code)}`);
    return f;
  }

  /** Waits for a reply with this query_id, keeping other frames queued. */
  async reply(queryId: Buffer, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f) => f.body.query_id && Buffer.from(f.body.query_id).equals(queryId));
      if (i >= 0) {
        const f = this.frames.splice(i, 1)[0]!;
        if (f.schemaError) throw new Error(`${f.key} does not match the protocol schema: ${f.schemaError.message}`);
        return f;
      }
      if (this.closed) throw new Error('connection closed while waiting for a reply');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a reply');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** True if no frame arrives within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.length === 0;
  }

  async call(type: string, fields: Record<string, unknown>): Promise<Record<string, any>> {
    const q = qid();
    this.send({ [type]: { query_id: q, ...fields } });
    return (await this.reply(q)).body;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Pigeonhole steps on top of raw calls. */
export class Peer {
  constructor(readonly c: RawClient) {}

  keypair(seed: Buffer = randomBytes(32)): Promise<Record<string, any>> {
    return this.c.call('new_keypair', { seed });
  }

  async write(writeCap: Uint8Array, index: Uint8Array, plaintext: Uint8Array, strict = false): Promise<Record<string, any>> {
    const e = await this.c.call('encrypt_write', { plaintext, write_cap: writeCap, message_box_index: index });
    if (e.error_code !== 0) return e;
    return this.c.call('start_resending_encrypted_message', {
      write_cap: writeCap, envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext,
      envelope_hash: e.envelope_hash, no_idempotent_box_already_exists: strict,
    });
  }

  async read(readCap: Uint8Array, index: Uint8Array, failFast = false, timeoutMs = 5000): Promise<Record<string, any>> {
    const e = await this.c.call('encrypt_read', { read_cap: readCap, message_box_index: index });
    const q = qid();
    this.c.send({ start_resending_encrypted_message: {
      query_id: q, read_cap: readCap, message_box_index: index, envelope_descriptor: e.envelope_descriptor,
      message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash, no_retry_on_box_id_not_found: failFast,
    } });
    return (await this.c.reply(q, timeoutMs)).body;
  }

  async next(index: Uint8Array): Promise<Buffer> {
    return (await this.c.call('next_message_box_index', { message_box_index: index })).next_message_box_index;
  }
}
