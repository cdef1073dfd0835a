import { Decoder, Encoder } from 'cbor-x';
import { abytes, copyBytes, isAllZero } from './_bytes.js';
import { type OpenedBox, type SealedBox, ReadPosition, boxIdFor, encryptForContext } from './box.js';
import { ReadCap, WriteCap } from './caps.js';
import { BacapError, GO_MESSAGES } from './errors.js';
import { type AeadVariant, DEFAULT_AEAD_VARIANT, assertVariant } from './gcm-siv.js';
import { MessageBoxIndex } from './message-box-index.js';

/*
 * StatefulWriter / StatefulReader (bacap.md §10): a cap plus a "next index", persisted as CBOR
 * exactly as Go's fxamacker/cbor writes it — a 4-entry map with text keys in a fixed order,
 * caps and indices as byte strings, null for an absent index. We emit exactly that layout, and
 * on input require all four keys (Go silently defaults missing ones; we refuse, §10.2).
 */
const encoder = new Encoder({ useRecords: false, tagUint8Array: false, variableMapSize: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

function decodeMap(bytes: Uint8Array, what: string, keys: readonly string[]): Record<string, unknown> {
  abytes(bytes, `${what} CBOR`);
  if (bytes.length === 0) throw new BacapError('BAD_CBOR', `${what} CBOR is empty`, 'data is empty');
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (cause) {
    throw new BacapError('BAD_CBOR', `${what} CBOR does not decode`, undefined, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new BacapError('BAD_CBOR', `${what} CBOR is not a map`);
  }
  const map = value as Record<string, unknown>;
  for (const key of keys) {
    if (!(key in map)) throw new BacapError('MISSING_FIELD', `${what} CBOR lacks "${key}"`);
  }
  return map;
}

function bytesField(map: Record<string, unknown>, key: string, what: string): Uint8Array {
  const v = map[key];
  if (!(v instanceof Uint8Array)) throw new BacapError('BAD_CBOR', `${what}.${key} must be a byte string`);
  return new Uint8Array(v);
}

function indexField(map: Record<string, unknown>, key: string, what: string): MessageBoxIndex | null {
  if (map[key] === null) return null;
  return MessageBoxIndex.fromBytes(bytesField(map, key, what));
}

function orNull(index: MessageBoxIndex | null): Uint8Array | null {
  return index ? index.toBytes() : null;
}

/** Writes a stream box by box. PrepareNext is deterministic and does not advance (§10.1). */
export class StatefulWriter {
  private constructor(
    readonly cap: WriteCap,
    private lastOutboxIdx: MessageBoxIndex | null,
    private nextIndex: MessageBoxIndex | null,
    readonly ctx: Uint8Array,
    private readonly variant: AeadVariant,
  ) {}

  static create(cap: WriteCap, ctx: Uint8Array, variant: AeadVariant = DEFAULT_AEAD_VARIANT): StatefulWriter {
    if (!(cap instanceof WriteCap)) throw new TypeError('cap: expected WriteCap');
    return new StatefulWriter(cap, null, cap.firstIndex, copyBytes(abytes(ctx, 'ctx')), assertVariant(variant));
  }

  get next(): MessageBoxIndex {
    if (!this.nextIndex) throw new BacapError('MISSING_FIELD', 'writer has no next index', 'next index is nil');
    return this.nextIndex;
  }

  get lastWritten(): MessageBoxIndex | null {
    return this.lastOutboxIdx;
  }

  nextBoxId(): Uint8Array {
    return boxIdFor(this.cap, this.next, this.ctx);
  }

  prepareNext(plaintext: Uint8Array): SealedBox {
    return encryptForContext(this.cap, this.next, this.ctx, plaintext, this.variant);
  }

  advanceState(): void {
    const current = this.next;
    const following = current.next();
    this.lastOutboxIdx = current;
    this.nextIndex = following;
  }

  encryptNext(plaintext: Uint8Array): SealedBox {
    const box = this.prepareNext(plaintext);
    this.advanceState();
    return box;
  }

  toCbor(): Uint8Array {
    return encoder.encode({ Wcap: this.cap.toBytes(), LastOutboxIdx: orNull(this.lastOutboxIdx), NextIndex: orNull(this.nextIndex), Ctx: this.ctx });
  }

  static fromCbor(bytes: Uint8Array, variant: AeadVariant = DEFAULT_AEAD_VARIANT): StatefulWriter {
    assertVariant(variant);
    const what = 'StatefulWriter';
    const map = decodeMap(bytes, what, ['Wcap', 'LastOutboxIdx', 'NextIndex', 'Ctx']);
    const cap = WriteCap.fromBytes(bytesField(map, 'Wcap', what));
    const next = indexField(map, 'NextIndex', what);
    if (!next) throw new BacapError('MISSING_FIELD', 'StatefulWriter has no NextIndex', 'deserialized StatefulWriter has nil NextIndex');
    return new StatefulWriter(cap, indexField(map, 'LastOutboxIdx', what), next, bytesField(map, 'Ctx', what), variant);
  }
}

/** Reads a stream box by box; a failed decrypt leaves the state unchanged (§10.1). */
export class StatefulReader {
  private position: ReadPosition | undefined;

  private constructor(
    readonly cap: ReadCap,
    private lastInboxRead: MessageBoxIndex | null,
    private nextIndex: MessageBoxIndex | null,
    readonly ctx: Uint8Array,
    private readonly variant: AeadVariant,
  ) {}

  /** Go's quirk kept: LastInboxRead starts at the cap's index, which has not been read yet. */
  static create(cap: ReadCap, ctx: Uint8Array, variant: AeadVariant = DEFAULT_AEAD_VARIANT): StatefulReader {
    if (!(cap instanceof ReadCap)) throw new TypeError('cap: expected ReadCap');
    return new StatefulReader(cap, cap.firstIndex, cap.firstIndex, copyBytes(abytes(ctx, 'ctx')), assertVariant(variant));
  }

  static createAt(cap: ReadCap, ctx: Uint8Array, index: MessageBoxIndex, variant: AeadVariant = DEFAULT_AEAD_VARIANT): StatefulReader {
    if (!(cap instanceof ReadCap)) throw new TypeError('cap: expected ReadCap');
    if (!(index instanceof MessageBoxIndex)) throw new TypeError('index: expected MessageBoxIndex');
    return new StatefulReader(cap, null, index, copyBytes(abytes(ctx, 'ctx')), assertVariant(variant));
  }

  get next(): MessageBoxIndex {
    if (this.nextIndex) return this.nextIndex;
    if (this.lastInboxRead) return this.lastInboxRead.next();
    throw new BacapError('MISSING_FIELD', 'reader has neither a next nor a last-read index', 'both NextIndex and LastInboxRead are nil');
  }

  get lastRead(): MessageBoxIndex | null {
    return this.lastInboxRead;
  }

  /** The position of the next box; its ID is what a read request asks the courier for. */
  nextPosition(): ReadPosition {
    const next = this.next;
    if (!this.position || this.position.index !== next) this.position = ReadPosition.derive(this.cap, next, this.ctx, this.variant);
    return this.position;
  }

  nextBoxId(): Uint8Array {
    return this.nextPosition().boxId;
  }

  /** DecryptNext: empty box, wrong box, signature, AEAD — then, and only then, advance. */
  decryptNext(boxId: Uint8Array, ciphertext: Uint8Array, signature: Uint8Array): OpenedBox {
    if (boxId instanceof Uint8Array && isAllZero(boxId)) {
      throw new BacapError('EMPTY_BOX', 'box ID is all zero: no message received', GO_MESSAGES.emptyBox);
    }
    const position = this.nextPosition();
    const opened = position.open(boxId, ciphertext, signature);
    const following = position.index.next();
    this.lastInboxRead = position.index;
    this.nextIndex = following;
    return opened;
  }

  toCbor(): Uint8Array {
    return encoder.encode({ Rcap: this.cap.toBytes(), LastInboxRead: orNull(this.lastInboxRead), NextIndex: orNull(this.nextIndex), Ctx: this.ctx });
  }

  static fromCbor(bytes: Uint8Array, variant: AeadVariant = DEFAULT_AEAD_VARIANT): StatefulReader {
    assertVariant(variant);
    const what = 'StatefulReader';
    const map = decodeMap(bytes, what, ['Rcap', 'LastInboxRead', 'NextIndex', 'Ctx']);
    const cap = ReadCap.fromBytes(bytesField(map, 'Rcap', what));
    const last = indexField(map, 'LastInboxRead', what);
    const next = indexField(map, 'NextIndex', what);
    if (!last && !next) throw new BacapError('MISSING_FIELD', 'StatefulReader has neither NextIndex nor LastInboxRead', 'both NextIndex and LastInboxRead are nil');
    return new StatefulReader(cap, last, next, bytesField(map, 'Ctx', what), variant);
  }
}
