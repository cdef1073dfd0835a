import { DEFAULT_CAP_CHECK, checkReadCap, type CapCheck } from './caps.js';
import { KATZENQT_CHUNK_BYTES, POINTER_BODY_BYTES, POINTER_BODY_WITH_COUNT_BYTES, READ_CAP_BYTES } from './constants.js';
import { WireError } from './errors.js';

/**
 * Box framing (group-chat-wire.md §1.3, §1.4). The first plaintext byte of every box on a chat
 * stream says what the rest is:
 *   'F' the last (or only) slice of one message's CBOR,
 *   'C' an interior slice,
 *   'I' a pointer to a temp stream holding C...C F: the temp read cap (136 bytes), or [N]'s
 *       u32be total chunk count + read cap (140 bytes).
 * Box plaintexts here exclude the daemon's length prefix and padding, which apps never see.
 */
export const FRAME_FINAL = 0x46; // 'F'
export const FRAME_CONTINUATION = 0x43; // 'C'
export const FRAME_POINTER = 0x49; // 'I'

/** A pointer box must fit in one box, so no geometry below this can carry a large message. */
export const MIN_BOX_PAYLOAD_BYTES = 1 + POINTER_BODY_WITH_COUNT_BYTES;

/** The chunk size we write with: katzenqt's 1530, never above the geometry's box payload
 *  (MaxPlaintextPayloadLength, §1.14). Any chunk size up to 1530 is readable by katzenqt (§2). */
export function chunkSizeFor(boxPayloadBytes: number): number {
  if (!Number.isSafeInteger(boxPayloadBytes) || boxPayloadBytes < MIN_BOX_PAYLOAD_BYTES) {
    throw new RangeError(`boxPayloadBytes: expected an integer >= ${MIN_BOX_PAYLOAD_BYTES}, got ${boxPayloadBytes}`);
  }
  return Math.min(KATZENQT_CHUNK_BYTES, boxPayloadBytes);
}

export type BoxPlan =
  /** One 'F' box for the sender's own stream. */
  | { readonly layout: 'single'; readonly ownBox: Uint8Array }
  /** Boxes for a fresh temp stream, in index order from its first index ('C'..., then 'F').
   *  Once every one is ACKed, write pointerBox(tempReadCap) on the own stream (§1.4). */
  | { readonly layout: 'temp_stream'; readonly tempBoxes: readonly Uint8Array[] };

/**
 * Splits ONE message's CBOR into boxes as katzenqt's SendOperation.serialize does. Always one
 * message per chain: a receiver decodes only the first CBOR item of a chain (§1.4).
 */
export function planBoxes(cbor: Uint8Array, options: { readonly boxPayloadBytes?: number } = {}): BoxPlan {
  if (!(cbor instanceof Uint8Array)) throw new TypeError('cbor: expected Uint8Array');
  if (cbor.length === 0) throw new RangeError('cbor: must not be empty');
  const chunk = chunkSizeFor(options.boxPayloadBytes ?? KATZENQT_CHUNK_BYTES);
  const body = chunk - 1;
  if (cbor.length <= body) return { layout: 'single', ownBox: frame(FRAME_FINAL, cbor) };
  const tempBoxes: Uint8Array[] = [];
  let offset = 0;
  while (cbor.length - offset > body) {
    tempBoxes.push(frame(FRAME_CONTINUATION, cbor.subarray(offset, offset + body)));
    offset += body;
  }
  tempBoxes.push(frame(FRAME_FINAL, cbor.subarray(offset)));
  return { layout: 'temp_stream', tempBoxes };
}

/**
 * The 'I' box for the own stream. The 136-byte form is the default because katzenqt main drops a
 * 140-byte pointer (§2, §3.2 item 24); pass `totalChunks` (all C's + the F) only for a group
 * whose members all run the newer katzenqt.
 */
export function pointerBox(
  tempReadCap: Uint8Array,
  options: { readonly totalChunks?: number; readonly capCheck?: CapCheck } = {},
): Uint8Array {
  if (!(tempReadCap instanceof Uint8Array)) throw new TypeError('tempReadCap: expected Uint8Array');
  if (tempReadCap.length !== READ_CAP_BYTES) throw new RangeError(`tempReadCap: expected ${READ_CAP_BYTES} bytes, got ${tempReadCap.length}`);
  checkReadCap(tempReadCap, 'tempReadCap', options.capCheck ?? DEFAULT_CAP_CHECK);
  const { totalChunks } = options;
  if (totalChunks === undefined) return frame(FRAME_POINTER, tempReadCap);
  if (!Number.isInteger(totalChunks) || totalChunks < 1 || totalChunks > 0xffffffff) {
    throw new RangeError('totalChunks: expected an integer in 1..2^32-1');
  }
  const body = new Uint8Array(POINTER_BODY_WITH_COUNT_BYTES);
  new DataView(body.buffer).setUint32(0, totalChunks);
  body.set(tempReadCap, 4);
  return frame(FRAME_POINTER, body);
}

function frame(kind: number, body: Uint8Array): Uint8Array {
  const box = new Uint8Array(1 + body.length);
  box[0] = kind;
  box.set(body, 1);
  return box;
}

export type ParsedBox =
  | { readonly frame: 'F' | 'C'; readonly body: Uint8Array }
  | { readonly frame: 'I'; readonly tempReadCap: Uint8Array; readonly totalChunks?: number };

/**
 * Reads a box's framing. Throws WireError: 'empty_box', 'bad_framing_byte' (katzenqt would stop
 * reading the peer forever, §1.3; the reassembler records it and reads on), 'empty_chunk',
 * 'bad_pointer_length' (katzenqt main skips such a pointer, wire notes), 'invalid_cap'.
 */
export function parseBox(box: Uint8Array, capCheck: CapCheck = DEFAULT_CAP_CHECK): ParsedBox {
  if (!(box instanceof Uint8Array)) throw new TypeError('box: expected Uint8Array');
  if (box.length === 0) throw new WireError('empty_box', '@0', 'box has no framing byte');
  const kind = box[0]!;
  const body = box.subarray(1);
  switch (kind) {
    case FRAME_FINAL:
      return { frame: 'F', body };
    case FRAME_CONTINUATION:
      if (body.length === 0) throw new WireError('empty_chunk', '@1', "'C' box with no body");
      return { frame: 'C', body };
    case FRAME_POINTER:
      if (body.length === POINTER_BODY_BYTES) return { frame: 'I', tempReadCap: checkReadCap(body, 'pointer.read_cap', capCheck) };
      if (body.length === POINTER_BODY_WITH_COUNT_BYTES) {
        const totalChunks = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
        if (totalChunks < 1) throw new WireError('bad_value', 'pointer.total_chunks', 'must be at least 1');
        return { frame: 'I', tempReadCap: checkReadCap(body.subarray(4), 'pointer.read_cap', capCheck), totalChunks };
      }
      throw new WireError(
        'bad_pointer_length',
        '@1',
        `'I' body must be ${POINTER_BODY_BYTES} or ${POINTER_BODY_WITH_COUNT_BYTES} bytes, got ${body.length}`,
      );
    default:
      throw new WireError('bad_framing_byte', '@0', `framing byte 0x${kind.toString(16).padStart(2, '0')} is not 'F', 'C' or 'I'`);
  }
}
