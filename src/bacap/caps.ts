import { abytes, bytesToNumberLE, copyBytes, equalBytes } from './_bytes.js';
import { BacapError, GO_MESSAGES } from './errors.js';
import { MESSAGE_BOX_INDEX_BYTES, MessageBoxIndex, type RandomSource, type StartIndexRule, secureRandom } from './message-box-index.js';
import { decodePoint, publicKeyFromSeed } from './points.js';
import { rootScalarBytes } from './scalar.js';

export const WRITE_CAP_BYTES = 168;
export const READ_CAP_BYTES = 136;
export const ROOT_PUBLIC_KEY_BYTES = 32;
/** How far Contains walks the ratchet, as upstream: ~1 s of steps, and a bound on what a hostile index costs. */
export const MAX_CONTAINS_STEPS = 2 ** 18;

/**
 * Newer upstream's Contains (bacap.md §5.3): throws unless stepping `start` forward reaches
 * `index`, comparing all four fields in constant time. INDEX_TOO_FAR beyond MAX_CONTAINS_STEPS.
 */
function checkContains(start: MessageBoxIndex, index: MessageBoxIndex): void {
  if (!(index instanceof MessageBoxIndex)) throw new TypeError('index: expected MessageBoxIndex');
  if (index.idx < start.idx) {
    throw new BacapError('INDEX_NOT_ON_STREAM', 'index is before the capability\'s first index', GO_MESSAGES.indexNotInChannel);
  }
  if (index.idx - start.idx > BigInt(MAX_CONTAINS_STEPS)) {
    throw new BacapError('INDEX_TOO_FAR', `index is more than ${MAX_CONTAINS_STEPS} steps ahead of the capability's index`, GO_MESSAGES.indexTooFar);
  }
  if (!start.advanceTo(index.idx).equals(index)) {
    throw new BacapError('INDEX_NOT_ON_STREAM', "index is not on this capability's stream", GO_MESSAGES.indexNotInChannel);
  }
}

/**
 * ReadCap (bacap.md §5.2): root public key P || the first index the holder may read. Whoever
 * holds it can derive every box ID and decrypt every box from that index on, never an earlier one.
 */
export class ReadCap {
  private constructor(
    readonly rootPublicKey: Uint8Array,
    readonly firstIndex: MessageBoxIndex,
  ) {}

  /** Parses 136 bytes; rejects a wrong length and a root key that is not a curve point (newer upstream). */
  static fromBytes(bytes: Uint8Array): ReadCap {
    abytes(bytes, 'ReadCap bytes');
    if (bytes.length !== READ_CAP_BYTES) {
      throw new BacapError('WRONG_LENGTH', `ReadCap must be ${READ_CAP_BYTES} bytes, got ${bytes.length}`, GO_MESSAGES.readCapSize);
    }
    const pub = bytes.slice(0, 32);
    if (!decodePoint(pub)) throw new BacapError('INVALID_POINT', 'ReadCap root public key is not a valid Ed25519 point');
    return new ReadCap(pub, MessageBoxIndex.fromBytes(bytes.subarray(32)));
  }

  /** Internal: built from a validated WriteCap. */
  static fromValidated(rootPublicKey: Uint8Array, firstIndex: MessageBoxIndex): ReadCap {
    return new ReadCap(copyBytes(rootPublicKey), firstIndex);
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(READ_CAP_BYTES);
    out.set(this.rootPublicKey, 0);
    out.set(this.firstIndex.toBytes(), 32);
    return out;
  }

  /** Throws INDEX_NOT_ON_STREAM / INDEX_TOO_FAR unless `index` is on this cap's stream at or after its index (§5.3). */
  contains(index: MessageBoxIndex): void {
    checkContains(this.firstIndex, index);
  }

  /** The same stream re-based to a later (or mutated) index, e.g. before sharing it (§5.3). */
  withIndex(index: MessageBoxIndex): ReadCap {
    if (!(index instanceof MessageBoxIndex)) throw new TypeError('index: expected MessageBoxIndex');
    return new ReadCap(this.rootPublicKey, index);
  }
}

/**
 * WriteCap (bacap.md §5.1): Ed25519 seed || root public key || first index. The secret that lets
 * its holder write a stream; never log it.
 */
export class WriteCap {
  private cachedRootScalar: Uint8Array | undefined;

  private constructor(
    private readonly seed: Uint8Array,
    readonly rootPublicKey: Uint8Array,
    readonly firstIndex: MessageBoxIndex,
  ) {}

  /**
   * A new stream (§3.4): reads 32 seed bytes, then 32 + 16 bytes for the index, in Go's order,
   * so a deterministic RandomSource reproduces Go's caps byte for byte.
   */
  static generate(rng: RandomSource = secureRandom, rule: StartIndexRule = 'fixed'): WriteCap {
    if (typeof rng !== 'function') throw new TypeError(`rng: expected a function, got ${typeof rng}`);
    const seed = copyBytes(abytes(rng(32), 'rng(32)', 32));
    const index = MessageBoxIndex.create(rng, rule);
    return new WriteCap(seed, publicKeyFromSeed(seed), index);
  }

  /** Parses 168 bytes; rejects a wrong length and a stored public key that is not the seed's. */
  static fromBytes(bytes: Uint8Array): WriteCap {
    abytes(bytes, 'WriteCap bytes');
    if (bytes.length !== WRITE_CAP_BYTES) {
      throw new BacapError('WRONG_LENGTH', `WriteCap must be ${WRITE_CAP_BYTES} bytes, got ${bytes.length}`, GO_MESSAGES.writeCapSize);
    }
    const seed = bytes.slice(0, 32);
    const stored = bytes.slice(32, 64);
    // v0.0.74 trusted the stored key; newer upstream checks it, and so do we (§5.1).
    if (!decodePoint(stored)) throw new BacapError('INVALID_POINT', 'WriteCap public key is not a valid Ed25519 point');
    if (!equalBytes(publicKeyFromSeed(seed), stored)) {
      throw new BacapError('KEY_MISMATCH', 'WriteCap public key does not match its seed');
    }
    return new WriteCap(seed, stored, MessageBoxIndex.fromBytes(bytes.subarray(64)));
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(WRITE_CAP_BYTES);
    out.set(this.seed, 0);
    out.set(this.rootPublicKey, 32);
    out.set(this.firstIndex.toBytes(), 64);
    return out;
  }

  /** ReadCap == WriteCap[32:168]. */
  readCap(): ReadCap {
    return ReadCap.fromValidated(this.rootPublicKey, this.firstIndex);
  }

  /** Throws INDEX_NOT_ON_STREAM / INDEX_TOO_FAR unless `index` is on this cap's stream at or after its index (§5.3). */
  contains(index: MessageBoxIndex): void {
    checkContains(this.firstIndex, index);
  }

  withIndex(index: MessageBoxIndex): WriteCap {
    if (!(index instanceof MessageBoxIndex)) throw new TypeError('index: expected MessageBoxIndex');
    const cap = new WriteCap(this.seed, this.rootPublicKey, index);
    cap.cachedRootScalar = this.cachedRootScalar;
    return cap;
  }

  /** The root secret scalar a (§4) as canonical 32 LE bytes; cached because every box signature needs it. Internal. */
  rootSecretScalarBytes(): Uint8Array {
    this.cachedRootScalar ??= rootScalarBytes(this.seed);
    return this.cachedRootScalar;
  }

  /** The root secret scalar a (§4) as a bigint, for the vector tests. */
  rootSecretScalar(): bigint {
    return bytesToNumberLE(this.rootSecretScalarBytes());
  }

  /** Keeps the seed out of logs and JSON. */
  toJSON(): string {
    return '[WriteCap]';
  }
}

export { MESSAGE_BOX_INDEX_BYTES };
