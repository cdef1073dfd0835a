import { decodeCborExact, encodeCbor, type CborEncodable, type CborValue } from './cbor.js';
import { DEFAULT_CAP_CHECK, type CapCheck } from './caps.js';
import { MAX_MESSAGE_BYTES } from './constants.js';
import { WireError } from './errors.js';
import { parseBox } from './framing.js';

/**
 * Reassembles the boxes of ONE stream, in index order, into message chains (wire §1.3, §1.4).
 *  - role 'own': a member's own stream. 'F' ends a chain (one box, or after contiguous 'C'
 *    pieces, the form katzenqt's receiver walks back over); 'I' points to a temp stream.
 *  - role 'temp': a temp stream, read from its first index: 'C'... then 'F'. The 'F' ends the
 *    stream; so does a rejected box (the message can no longer complete): stop reading it.
 * A bad box is returned as a 'rejected' outcome and the caller moves its cursor on. katzenqt
 * stops reading a peer for good over a bad framing byte or an empty box (§1.3); we do not: one
 * bad box costs at most the chain it interrupts. Pending 'C' pieces are dropped when a chain is
 * broken, since katzenqt only joins pieces contiguous with their 'F'.
 * Memory is bounded: the pending bytes plus the next body are checked against maxMessageBytes
 * before anything is kept. The state is a plain value (state / restore, or the CBOR form of
 * encodeReassemblyState) so a half-read chain survives a restart.
 */

export type StreamRole = 'own' | 'temp';

export interface ReassemblyState {
  readonly role: StreamRole;
  /** Bodies of the pending 'C' boxes, in order (copies: they never alias the caller's boxes). */
  readonly pieces: readonly Uint8Array[];
  /** Temp streams: the chunk count a 140-byte pointer announced, else null. */
  readonly expectedChunks: number | null;
  /** Temp streams: boxes fed so far. */
  readonly boxesSeen: number;
  /** Temp streams: the 'F' was read or the chain failed; nothing more belongs to it. */
  readonly finished: boolean;
}

export type BoxOutcome =
  /** A complete chain: decode it with decodeGroupChatMessage. */
  | { readonly kind: 'message'; readonly cbor: Uint8Array; readonly boxes: number }
  /** Own stream: read the temp stream at tempReadCap with a 'temp' reassembler. */
  | { readonly kind: 'pointer'; readonly tempReadCap: Uint8Array; readonly totalChunks?: number; readonly droppedBoxes: number }
  /** A 'C' piece was kept; the chain goes on. */
  | { readonly kind: 'partial'; readonly boxes: number; readonly bytes: number }
  /** Record the error and move on; droppedBoxes pending pieces were discarded with it. */
  | { readonly kind: 'rejected'; readonly error: WireError; readonly droppedBoxes: number };

export interface ReassemblerOptions {
  readonly role?: StreamRole;
  /** Temp streams: the count from a 140-byte pointer. */
  readonly expectedChunks?: number;
  /** Largest chain held in memory (default MAX_MESSAGE_BYTES: a 200 MiB file plus envelope). */
  readonly maxMessageBytes?: number;
  readonly capCheck?: CapCheck;
}

export class StreamReassembler {
  private pieces: Uint8Array[] = [];
  private pendingBytes = 0;
  private boxesSeen = 0;
  private finished = false;
  private readonly role: StreamRole;
  private readonly expectedChunks: number | null;
  private readonly maxMessageBytes: number;
  private readonly capCheck: CapCheck;

  constructor(options: ReassemblerOptions = {}) {
    this.role = options.role ?? 'own';
    if (this.role !== 'own' && this.role !== 'temp') throw new RangeError(`role: expected 'own' or 'temp'`);
    this.maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(this.maxMessageBytes) || this.maxMessageBytes < 1) throw new RangeError('maxMessageBytes: expected a positive integer');
    const expected = options.expectedChunks;
    if (expected !== undefined && (this.role !== 'temp' || !Number.isSafeInteger(expected) || expected < 1)) {
      throw new RangeError('expectedChunks: a positive integer, for temp streams only');
    }
    this.expectedChunks = expected ?? null;
    this.capCheck = options.capCheck ?? DEFAULT_CAP_CHECK;
  }

  /** Resumes from a persisted state; throws WireError('bad_state') if it does not validate. */
  static restore(state: ReassemblyState, options: Omit<ReassemblerOptions, 'role' | 'expectedChunks'> = {}): StreamReassembler {
    const maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    checkState(state, maxMessageBytes);
    const r = new StreamReassembler({
      ...options,
      role: state.role,
      ...(state.expectedChunks !== null ? { expectedChunks: state.expectedChunks } : {}),
    });
    r.pieces = state.pieces.map((p) => p.slice());
    r.pendingBytes = r.pieces.reduce((n, p) => n + p.length, 0);
    r.boxesSeen = state.boxesSeen;
    r.finished = state.finished;
    return r;
  }

  get state(): ReassemblyState {
    return {
      role: this.role,
      pieces: this.pieces.slice(),
      expectedChunks: this.expectedChunks,
      boxesSeen: this.boxesSeen,
      finished: this.finished,
    };
  }

  /** Feeds the next box of the stream (its plaintext, framing byte first). Never throws for bad
   *  box content; throws TypeError only for a non-Uint8Array argument. */
  feed(box: Uint8Array): BoxOutcome {
    if (!(box instanceof Uint8Array)) throw new TypeError('box: expected Uint8Array');
    if (this.finished) return this.reject(new WireError('stream_finished', '', 'temp stream already ended with its final box'));
    this.boxesSeen++;
    if (this.expectedChunks !== null && this.boxesSeen > this.expectedChunks) {
      return this.reject(new WireError('chunk_count_mismatch', '', `more than the ${this.expectedChunks} boxes the pointer announced`));
    }
    let parsed;
    try {
      parsed = parseBox(box, this.capCheck);
    } catch (e) {
      if (e instanceof WireError) return this.reject(e);
      throw e;
    }
    if (parsed.frame === 'I') {
      if (this.role === 'temp') return this.reject(new WireError('unexpected_pointer', '@0', "'I' box on a temp stream"));
      if (parsed.totalChunks !== undefined && parsed.totalChunks > this.maxMessageBytes) {
        return this.reject(new WireError('message_too_large', 'pointer.total_chunks', `${parsed.totalChunks} chunks cannot fit the ${this.maxMessageBytes}-byte limit`));
      }
      const droppedBoxes = this.drop();
      return { kind: 'pointer', tempReadCap: parsed.tempReadCap.slice(), ...(parsed.totalChunks !== undefined ? { totalChunks: parsed.totalChunks } : {}), droppedBoxes };
    }
    if (parsed.body.length > this.maxMessageBytes - this.pendingBytes) {
      return this.reject(new WireError('message_too_large', '', `chain would exceed ${this.maxMessageBytes} bytes`));
    }
    if (parsed.frame === 'C') {
      this.pieces.push(parsed.body.slice());
      this.pendingBytes += parsed.body.length;
      return { kind: 'partial', boxes: this.pieces.length, bytes: this.pendingBytes };
    }
    const cbor = new Uint8Array(this.pendingBytes + parsed.body.length);
    let off = 0;
    for (const p of this.pieces) {
      cbor.set(p, off);
      off += p.length;
    }
    cbor.set(parsed.body, off);
    const boxes = this.pieces.length + 1;
    this.drop();
    if (this.role === 'temp') this.finished = true;
    return { kind: 'message', cbor, boxes };
  }

  private drop(): number {
    const n = this.pieces.length;
    this.pieces = [];
    this.pendingBytes = 0;
    return n;
  }

  private reject(error: WireError): BoxOutcome {
    const droppedBoxes = this.drop();
    if (this.role === 'temp') this.finished = true;
    return { kind: 'rejected', error, droppedBoxes };
  }
}

function checkState(state: ReassemblyState, maxMessageBytes: number): void {
  const bad = (detail: string): never => {
    throw new WireError('bad_state', 'reassembly', detail);
  };
  if (typeof state !== 'object' || state === null) bad('not an object');
  if (state.role !== 'own' && state.role !== 'temp') bad('role must be own or temp');
  if (!Array.isArray(state.pieces)) bad('pieces must be an array');
  let total = 0;
  for (const p of state.pieces) {
    if (!(p instanceof Uint8Array) || p.length === 0) bad('each piece must be non-empty bytes');
    total += p.length;
    if (total > maxMessageBytes) bad(`pending bytes exceed ${maxMessageBytes}`);
  }
  if (!Number.isSafeInteger(state.boxesSeen) || state.boxesSeen < state.pieces.length) bad('boxesSeen must be an integer >= pieces');
  if (typeof state.finished !== 'boolean') bad('finished must be a boolean');
  if (state.finished && state.pieces.length > 0) bad('a finished stream has no pending pieces');
  if (state.expectedChunks !== null) {
    if (state.role !== 'temp' || !Number.isSafeInteger(state.expectedChunks) || state.expectedChunks < 1) bad('expectedChunks must be null or a positive integer on a temp stream');
    if (state.boxesSeen > state.expectedChunks) bad('more boxes seen than expected');
  }
  if (state.role === 'own' && (state.finished || state.boxesSeen < 0)) bad('an own stream never finishes');
}

/** The state as CBOR, for a store that keeps bytes. */
export function encodeReassemblyState(state: ReassemblyState): Uint8Array {
  return encodeCbor(
    new Map<string, CborEncodable>([
      ['v', 1],
      ['role', state.role],
      ['pieces', state.pieces],
      ['expected', state.expectedChunks],
      ['seen', state.boxesSeen],
      ['finished', state.finished],
    ]),
  );
}

/** Parses and validates encodeReassemblyState's bytes; throws WireError('bad_state'). */
export function decodeReassemblyState(bytes: Uint8Array, options: { readonly maxMessageBytes?: number } = {}): ReassemblyState {
  let value: CborValue;
  try {
    value = decodeCborExact(bytes);
  } catch (e) {
    if (e instanceof WireError) throw new WireError('bad_state', 'reassembly', `not valid CBOR (${e.code})`, { cause: e });
    throw e;
  }
  if (!(value instanceof Map) || value.get('v') !== 1) throw new WireError('bad_state', 'reassembly', 'not a version 1 reassembly state');
  const state = {
    role: value.get('role'),
    pieces: value.get('pieces'),
    expectedChunks: value.get('expected'),
    boxesSeen: value.get('seen'),
    finished: value.get('finished'),
  } as unknown as ReassemblyState;
  checkState(state, options.maxMessageBytes ?? MAX_MESSAGE_BYTES);
  return { ...state, pieces: state.pieces.map((p) => p.slice()) };
}
