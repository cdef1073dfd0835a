// The emulated kpclientd + couriers + replicas (thin-client §3.9): listens on a unix path, an
// abstract name or TCP; every client gets its own session; all share one store of real BACAP
// boxes. A new instance over the same data folder keeps every box and gets a new instance token,
// as a real daemon restart does.
import { randomBytes } from 'node:crypto';
import { type AddressInfo, type Server, createServer, type Socket } from 'node:net';
import { existsSync, unlinkSync } from 'node:fs';
import { BoxStore } from './box-store.js';
import { Connection, type ConnectionHost } from './connection.js';
import type { DaemonContext } from './context.js';
import { CourierService } from './courier.js';
import { EnvelopeCodec, blake2b256 } from './envelope.js';
import { epochAt, msUntilNextEpoch } from './epochs.js';
import { geometryFor, type Geometry } from './geometry.js';
import { AbortedError, Mixnet } from './mixnet.js';
import { type EmulatorOptions, FAST_OPTIONS, checkOptions } from './options.js';
import { type Courier, courierFrom, pkiDocument } from './pki.js';
import { Replicas } from './replica.js';
import { SessionRegistry } from './session.js';
import { encodeFrame } from './wire.js';
import { encode as cborEncode } from 'cbor-x';

/** How many past PKI documents the daemon keeps for get_pki_document (§2.8). */
const PKI_HISTORY = 5;

export interface EmulatorStartOptions {
  /** Folder for emulator.sqlite; undefined keeps everything in memory. */
  readonly dataDir?: string;
  readonly options?: EmulatorOptions;
  readonly log?: (message: string) => void;
}

/** "HOST:PORT", "[::1]:PORT", "/path/to.sock" or "@abstract" (§1.1). */
export type ListenAddress = string;

export class Emulator {
  /** Random per process (§1.5); a restarted emulator has a new one. */
  readonly instanceToken = new Uint8Array(randomBytes(16));
  readonly geometry: Geometry;
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<Socket>();
  private readonly sessions: SessionRegistry;
  private readonly ctx: DaemonContext;
  private readonly mixnet: Mixnet;
  private readonly host: ConnectionHost;
  private pkiTimer: NodeJS.Timeout | undefined;
  private docs: Map<number, Uint8Array>;
  private readonly departedCouriers = new Set<string>();
  private lastPkiEpoch: number;
  private closing = false;

  private constructor(
    private readonly store: BoxStore,
    readonly options: EmulatorOptions,
    private courier: Courier,
    networkSecret: Uint8Array,
    private readonly log: (message: string) => void,
  ) {
    this.geometry = geometryFor(options.maxPlaintextPayloadLength);
    const replicas = new Replicas(store, options);
    const envelopes = new EnvelopeCodec(networkSecret, this.geometry.pigeonhole.CourierQueryWriteLength);
    this.mixnet = new Mixnet(options);
    this.sessions = new SessionRegistry(options.sessionGraceMs, options.sessionQueueLimit);
    const sphinxHash = blake2b256(new Uint8Array(cborEncode(this.geometry.sphinx)));
    const docs = (this.docs = new Map<number, Uint8Array>());
    const pkiEpoch = (): number => epochAt(options.clock.now(), options.pkiEpochMs);
    this.lastPkiEpoch = pkiEpoch();
    this.ctx = {
      options, geometry: this.geometry, replicas, envelopes, mixnet: this.mixnet,
      courier: () => this.courier,
      courierReachable: (c, signal) => this.courierReachable(c, signal),
      courierService: new CourierService(store, replicas, envelopes, options),
      pkiEpoch,
      pkiDocument: (epoch) => {
        const now = pkiEpoch();
        if (epoch > now || epoch < now - PKI_HISTORY) return undefined;
        let doc = docs.get(epoch);
        if (!doc) docs.set(epoch, (doc = pkiDocument(epoch, this.courier, options.replicas, sphinxHash, options.sendRatePerSecond)));
        for (const e of docs.keys()) if (e < now - PKI_HISTORY) docs.delete(e);
        return doc;
      },
    };
    this.host = {
      ctx: this.ctx,
      sessions: this.sessions,
      handshakeFrames: () => [this.statusFrame(), this.pkiFrame()],
      log: (m) => this.log(m),
      closed: (c) => this.connections.delete(c),
    };
  }

  static async start(start: EmulatorStartOptions = {}): Promise<Emulator> {
    const options = start.options ?? FAST_OPTIONS;
    checkOptions(options);
    const store = await BoxStore.open(start.dataDir);
    const courier = courierFrom(await store.secret('courier-identity-key'));
    const secret = await store.secret('network-secret');
    const emulator = new Emulator(store, options, courier, secret, start.log ?? (() => undefined));
    emulator.schedulePki();
    return emulator;
  }

  /** Starts listening; resolves to the bound address (the TCP port when 0 was asked for). */
  listen(address: ListenAddress): Promise<string> {
    const server = createServer((socket) => {
      if (this.closing) return socket.destroy();
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      this.connections.add(new Connection(socket, this.host));
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        const a = server.address();
        resolve(typeof a === 'string' ? address : `${(a as AddressInfo).family === 'IPv6' ? `[${(a as AddressInfo).address}]` : (a as AddressInfo).address}:${(a as AddressInfo).port}`);
      };
      if (address.startsWith('@')) return server.listen(`\0${address.slice(1)}`, done);
      if (address.includes('/')) {
        if (existsSync(address)) unlinkSync(address);
        return server.listen(address, done);
      }
      const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(address);
      if (!m) return reject(new RangeError(`listen address ${JSON.stringify(address)}: expected HOST:PORT, /path/to.sock or @abstract`));
      server.listen(Number(m[2]), m[1], done);
    });
  }

  get isOnline(): boolean {
    return this.mixnet.isOnline;
  }

  /** Fault injection (§3.9 item 6): the daemon's link to the mixnet goes down or comes back. */
  setOnline(online: boolean): void {
    this.mixnet.setOnline(online);
    this.broadcast(this.statusFrame());
  }

  /** Sends the current PKI document to everyone, as on a new consensus (tests move the clock). */
  publishPkiDocument(): void {
    this.lastPkiEpoch = this.ctx.pkiEpoch();
    this.broadcast(this.pkiFrame());
  }

  /**
   * Fault injection (§3.9 item 6): a new courier replaces the old one in a new PKI document.
   * Requests already pinned to the old courier stall until cancelled, as the real daemon keeps
   * retrying a courier that left consensus; new requests use the new courier. In memory only: a
   * restart brings back the courier kept in --data.
   */
  rotateCourier(): void {
    this.departedCouriers.add(Buffer.from(this.courier.identityHash).toString('hex'));
    this.courier = courierFrom(new Uint8Array(randomBytes(32)));
    this.docs.clear();
    this.publishPkiDocument();
  }

  private courierReachable(courier: Courier, signal: AbortSignal): Promise<void> {
    if (!this.departedCouriers.has(Buffer.from(courier.identityHash).toString('hex'))) return Promise.resolve();
    return new Promise((_, reject) => {
      const stop = (): void => reject(new AbortedError('aborted'));
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
    });
  }

  get storedBoxes(): number {
    return this.store.size;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Sends shutdown_event, closes every socket, waits for pending writes, closes the store. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.pkiTimer) clearTimeout(this.pkiTimer);
    this.broadcast(encodeFrame('shutdown_event', {}));
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const s of this.sockets) s.end();
    await new Promise((r) => setTimeout(r, 20));
    for (const s of this.sockets) s.destroy();
    await closed;
    this.sessions.closeAll();
    this.mixnet.close();
    await this.store.close();
  }

  private statusFrame(): Uint8Array {
    return encodeFrame('connection_status_event', {
      is_connected: this.mixnet.isOnline,
      err: null,
      instance_token: this.instanceToken,
      sphinx_geometry: this.geometry.sphinx,
      pigeonhole_geometry: this.geometry.pigeonhole,
    });
  }

  private pkiFrame(): Uint8Array {
    return encodeFrame('new_pki_document_event', { payload: this.ctx.pkiDocument(this.ctx.pkiEpoch()) ?? null });
  }

  private broadcast(frame: Uint8Array): void {
    for (const c of this.connections) c.sendFrame(frame);
  }

  private schedulePki(): void {
    const wait = Math.min(msUntilNextEpoch(this.options.clock.now(), this.options.pkiEpochMs) + 10, 60_000);
    this.pkiTimer = setTimeout(() => {
      if (this.ctx.pkiEpoch() !== this.lastPkiEpoch) this.publishPkiDocument();
      this.schedulePki();
    }, wait);
    this.pkiTimer.unref();
  }
}
