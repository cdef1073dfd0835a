import { randomBytes } from 'node:crypto';
import { MessageBoxIndex, WriteCap } from '../../../src/bacap/index.js';
import type { InductedVoucher, MintedVoucher, NewStream, OpenedVoucher, PigeonholePort, ReadOptions, ReadOutcome } from '../../../src/groupchat/pigeonhole-port.js';
import { PigeonholeError } from '../../../src/groupchat/pigeonhole-port.js';

/**
 * An in-memory Pigeonhole for the engine's unit tests: boxes keyed by (root key, counter),
 * write-once with idempotent identical rewrites, blocking and fail-fast reads, and fake voucher
 * crypto that keeps the one property the engine relies on (wire §4): the mutated read cap from
 * voucherInduct addresses the same boxes as the mutated write cap from voucherOpen. Caps are real
 * BACAP caps (src/bacap), so the wire layer's strict cap check accepts them.
 * Several engines share one FakePigeonhole through `port()`, as clients share a daemon network.
 */
export class FakePigeonhole {
  readonly boxes = new Map<string, Uint8Array>();
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly vouchers = new Map<string, { stream: NewStream; secret: Uint8Array }>();
  readonly log: string[] = [];
  inFlight = 0;
  peakInFlight = 0;
  reads = 0;
  writes = 0;
  /** Fail the next N writes with this code (tests of error paths). */
  failWrites = 0;

  constructor(readonly maxPlaintext = 1549) {}

  port(): PigeonholePort {
    return {
      maxPlaintextBytes: () => this.maxPlaintext,
      newStream: async () => newStream(),
      nextIndex: async (i) => MessageBoxIndex.fromBytes(i).next().toBytes(),
      writeBox: (cap, index, pt) => this.write(cap, index, pt),
      readBox: (cap, index, o) => this.read(cap, index, o),
      voucherMint: async (wc, name) => this.mint(wc, name),
      voucherDeriveStream: async (v) => {
        const rec = this.vouchers.get(hex(v));
        if (!rec) throw new PigeonholeError('voucher_derive_stream', 3, 'unknown voucher');
        return { voucherWriteCap: rec.stream.writeCap, voucherReadCap: rec.stream.readCap };
      },
      voucherInduct: async (v, payload, who) => this.induct(v, payload, who),
      voucherOpen: async (secret, sealed, wc) => this.open(secret, sealed, wc),
    };
  }

  /** Writes raw bytes straight into a stream's box (a peer that is not an engine). */
  put(readCapOrWriteCap: Uint8Array, index: Uint8Array, pt: Uint8Array): void {
    const root = readCapOrWriteCap.length === 168 ? readCapOrWriteCap.subarray(32, 64) : readCapOrWriteCap.subarray(0, 32);
    const key = boxKey(root, index);
    this.boxes.set(key, pt.slice());
    for (const w of this.waiters.get(key)?.splice(0) ?? []) w();
  }

  private async write(cap: Uint8Array, index: Uint8Array, pt: Uint8Array): Promise<{ nextIndex: Uint8Array }> {
    this.enter();
    try {
      await tick();
      this.writes++;
      if (this.failWrites > 0) {
        this.failWrites--;
        throw new PigeonholeError('start_resending_encrypted_message', 13, 'injected failure');
      }
      const key = boxKey(cap.subarray(32, 64), index);
      const old = this.boxes.get(key);
      // Default write semantics (thin-client §3.3): a conflicting write "succeeds" and is dropped.
      if (!old) this.put(cap, index, pt);
      this.log.push(`write ${key.slice(0, 8)}`);
      return { nextIndex: MessageBoxIndex.fromBytes(index).next().toBytes() };
    } finally {
      this.leave();
    }
  }

  private async read(cap: Uint8Array, index: Uint8Array, o: ReadOptions): Promise<ReadOutcome> {
    this.enter();
    this.reads++;
    try {
      await tick();
      const key = boxKey(cap.subarray(0, 32), index);
      for (;;) {
        const pt = this.boxes.get(key);
        if (pt) {
          const nextIndex = MessageBoxIndex.fromBytes(index).next().toBytes();
          return pt.length === 0 ? { kind: 'tombstone', nextIndex } : { kind: 'box', plaintext: pt.slice(), nextIndex };
        }
        if (!o.blocking) return { kind: 'not_found' };
        if (o.signal?.aborted) return { kind: 'cancelled' };
        const woke = await new Promise<boolean>((resolve) => {
          const list = this.waiters.get(key) ?? [];
          list.push(() => resolve(true));
          this.waiters.set(key, list);
          o.signal?.addEventListener('abort', () => resolve(false), { once: true });
        });
        if (!woke) return { kind: 'cancelled' };
      }
    } finally {
      this.leave();
    }
  }

  private mint(wc: Uint8Array, name: string): MintedVoucher {
    const stream = newStream();
    const voucher = new Uint8Array(randomBytes(32));
    const secret = new Uint8Array(randomBytes(32));
    this.vouchers.set(hex(voucher), { stream, secret });
    const payload = new TextEncoder().encode(JSON.stringify({ name, readCap: hex(wc.subarray(32)) }));
    return { voucher, voucherPayload: payload, voucherWriteCap: stream.writeCap, voucherReadCap: stream.readCap, voucherSecretKey: secret };
  }

  private induct(v: Uint8Array, payload: Uint8Array, who: Uint8Array): InductedVoucher {
    const rec = this.vouchers.get(hex(v));
    if (!rec) throw new PigeonholeError('voucher_induct', 28, 'hash mismatch');
    const p = JSON.parse(new TextDecoder().decode(payload)) as { name: string; readCap: string };
    const salt = new Uint8Array(randomBytes(32));
    const rc = unhex(p.readCap);
    const mutated = new Uint8Array(136);
    mutated.set(rc.subarray(0, 32));
    mutated.set(MessageBoxIndex.fromBytes(rc.subarray(32)).mutateKdfState(salt).toBytes(), 32);
    const sealed = new TextEncoder().encode(JSON.stringify({ who: hex(who), salt: hex(salt), secret: hex(rec.secret) }));
    return { displayName: p.name, mutatedReadCap: mutated, sealedReply: sealed, voucherWriteCap: rec.stream.writeCap };
  }

  private open(secret: Uint8Array, sealed: Uint8Array, wc: Uint8Array): OpenedVoucher {
    const s = JSON.parse(new TextDecoder().decode(sealed)) as { who: string; salt: string; secret: string };
    if (s.secret !== hex(secret)) throw new PigeonholeError('voucher_open', 30, 'seal cannot be opened');
    const mutated = new Uint8Array(168);
    mutated.set(wc.subarray(0, 64));
    mutated.set(MessageBoxIndex.fromBytes(wc.subarray(64)).mutateKdfState(unhex(s.salt)).toBytes(), 64);
    return { whoReply: unhex(s.who), mutatedWriteCap: mutated };
  }

  private enter(): void {
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
  }
  private leave(): void {
    this.inFlight--;
  }
}

export function newStream(): NewStream {
  const wc = WriteCap.generate().toBytes();
  return { writeCap: wc, readCap: wc.slice(32), firstIndex: wc.slice(64) };
}

function boxKey(root: Uint8Array, index: Uint8Array): string {
  return `${hex(root)}:${MessageBoxIndex.fromBytes(index).idx}`;
}
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}
function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
