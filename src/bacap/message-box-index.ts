import { randomBytes } from 'node:crypto';
import { abytes, copyBytes, equalBytes, le64, readLe64 } from './_bytes.js';
import { BacapError, GO_MESSAGES } from './errors.js';
import { hkdfBlake2b } from './hkdf.js';

export const MESSAGE_BOX_INDEX_BYTES = 104;
const U64_MAX = (1n << 64n) - 1n;
const MUTATE_LABEL = new TextEncoder().encode('bacap-mutate-kdf-state-v1');
const ZERO32 = new Uint8Array(32);

/** Which rule picks a fresh stream's start index (bacap.md §3.3). */
export type StartIndexRule = 'fixed' | 'v0.0.74';

/** A source of random bytes; tests pass a deterministic one to reproduce Go's caps. */
export type RandomSource = (length: number) => Uint8Array;
export const secureRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

/**
 * The ratchet state for one box of a stream (bacap.md §3): index i, blinding factor K_i,
 * encryption key E_i, and the HKDF state H_i from which index i+1 is derived. Secret: whoever
 * holds it can compute every later box ID and decrypt every later box. Immutable.
 */
export class MessageBoxIndex {
  private constructor(
    readonly idx: bigint,
    readonly blindingFactor: Uint8Array,
    readonly encryptionKey: Uint8Array,
    readonly hkdfState: Uint8Array,
  ) {}

  static fromParts(idx: bigint, blindingFactor: Uint8Array, encryptionKey: Uint8Array, hkdfState: Uint8Array): MessageBoxIndex {
    if (typeof idx !== 'bigint') throw new TypeError(`idx: expected bigint, got ${typeof idx}`);
    if (idx < 0n || idx > U64_MAX) throw new RangeError('idx: must be an unsigned 64-bit integer');
    return new MessageBoxIndex(
      idx,
      copyBytes(abytes(blindingFactor, 'blindingFactor', 32)),
      copyBytes(abytes(encryptionKey, 'encryptionKey', 32)),
      copyBytes(abytes(hkdfState, 'hkdfState', 32)),
    );
  }

  /** Parses the 104-byte binary form (§3.1). Only the length is checked, as in Go. */
  static fromBytes(bytes: Uint8Array): MessageBoxIndex {
    abytes(bytes, 'MessageBoxIndex bytes');
    if (bytes.length !== MESSAGE_BOX_INDEX_BYTES) {
      throw new BacapError('WRONG_LENGTH', `MessageBoxIndex must be ${MESSAGE_BOX_INDEX_BYTES} bytes, got ${bytes.length}`, GO_MESSAGES.mbiSize);
    }
    return new MessageBoxIndex(readLe64(bytes, 0), bytes.slice(8, 40), bytes.slice(40, 72), bytes.slice(72, 104));
  }

  /**
   * A fresh start index (§3.3): H0 = rng(32), b = rng(16), masked, i0 = x + y mod 2^64, then one
   * step, so the first usable index is i0 + 1. 'fixed' is newer upstream's rule (each half < 2^62)
   * and the default; 'v0.0.74' reproduces the old rule for caps made by old daemons.
   */
  static create(rng: RandomSource = secureRandom, rule: StartIndexRule = 'fixed'): MessageBoxIndex {
    if (typeof rng !== 'function') throw new TypeError(`rng: expected a function, got ${typeof rng}`);
    if (rule !== 'fixed' && rule !== 'v0.0.74') throw new TypeError(`rule: expected 'fixed' or 'v0.0.74', got ${typeof rule === 'string' ? JSON.stringify(rule) : typeof rule}`);
    const h0 = rng(32);
    const b = rng(16).slice();
    abytes(h0, 'rng(32)', 32);
    abytes(b, 'rng(16)', 16);
    if (rule === 'v0.0.74') {
      b[0]! &= 0x2f;
      b[8]! &= 0x2f;
    } else {
      b[7]! &= 0x3f;
      b[15]! &= 0x3f;
    }
    const i0 = BigInt.asUintN(64, readLe64(b, 0) + readLe64(b, 8));
    return new MessageBoxIndex(i0, ZERO32, ZERO32, copyBytes(h0)).next();
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(MESSAGE_BOX_INDEX_BYTES);
    out.set(le64(this.idx), 0);
    out.set(this.blindingFactor, 8);
    out.set(this.encryptionKey, 40);
    out.set(this.hkdfState, 72);
    return out;
  }

  /** The next index (§3.2); at 2^64 - 1 the stream has ended and this throws INDEX_REWIND. */
  next(): MessageBoxIndex {
    return this.advanceTo(BigInt.asUintN(64, this.idx + 1n));
  }

  /** Steps forward to `target` (linear in the distance). Same object if already there. */
  advanceTo(target: bigint): MessageBoxIndex {
    if (typeof target !== 'bigint') throw new TypeError(`target: expected bigint, got ${typeof target}`);
    if (target < this.idx) {
      throw new BacapError('INDEX_REWIND', `cannot move index from ${this.idx} back to ${target} (or past the end of the stream)`, GO_MESSAGES.rewind);
    }
    if (target > U64_MAX) throw new RangeError('target: must be an unsigned 64-bit integer');
    if (target === this.idx) return this;
    let idx = this.idx;
    let h = this.hkdfState;
    let e: Uint8Array = ZERO32;
    let k: Uint8Array = ZERO32;
    while (idx < target) {
      // okm = H' || E' || K', derived with info = LE64(i): the index i+1 holds keys from step i.
      const okm = hkdfBlake2b(h, undefined, le64(idx), 96);
      h = okm.subarray(0, 32);
      e = okm.subarray(32, 64);
      k = okm.subarray(64, 96);
      idx++;
    }
    return new MessageBoxIndex(idx, k.slice(), e.slice(), h.slice());
  }

  /** MutateKDFState (§3.5, newer upstream; used by the contact voucher): same index, new keys. */
  mutateKdfState(ctx: Uint8Array): MessageBoxIndex {
    abytes(ctx, 'ctx');
    const okm = hkdfBlake2b(this.hkdfState, ctx, MUTATE_LABEL, 96, false); // the voucher salt may be secret: not cached
    return new MessageBoxIndex(this.idx, okm.slice(64, 96), okm.slice(32, 64), okm.slice(0, 32));
  }

  /** Constant-time comparison of all four fields. */
  equals(other: MessageBoxIndex): boolean {
    if (!(other instanceof MessageBoxIndex)) throw new TypeError('other: expected MessageBoxIndex');
    return equalBytes(this.toBytes(), other.toBytes()); // idx and all three secrets, no early exit
  }
}
