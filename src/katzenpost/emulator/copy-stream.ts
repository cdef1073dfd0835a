// Copy streams (thin-client §2.7, §3.8): destination writes become CourierEnvelopes, which are
// concatenated as (u32 BE length ‖ envelope) and cut into CopyStreamElements, one per temporary
// box: flags [1] (0x01 start, 0x02 final) ‖ data length u32 BE [4] ‖ data (≤ MaxPlaintext − 5).

export const FLAG_START = 0x01;
export const FLAG_FINAL = 0x02;
const ELEMENT_HEADER_BYTES = 5;
/** §2.7: the daemon cuts each destination payload into chunks of MaxPlaintext − 4 bytes. */
export const chunkBytes = (maxPlaintext: number): number => maxPlaintext - 4;
const elementDataBytes = (maxPlaintext: number): number => maxPlaintext - ELEMENT_HEADER_BYTES;

/** Appends one envelope, length-prefixed, to a stream buffer. */
export function appendEnvelope(stream: Uint8Array, envelope: Uint8Array): Uint8Array {
  const out = new Uint8Array(stream.length + 4 + envelope.length);
  out.set(stream, 0);
  new DataView(out.buffer).setUint32(stream.length, envelope.length);
  out.set(envelope, stream.length + 4);
  return out;
}

export interface CutElements {
  readonly elements: Uint8Array[];
  /** Bytes kept back for the next call (`buffer` in the multi and tombstone variants). */
  readonly residue: Uint8Array;
}

/**
 * Cuts stream bytes into elements. Without `flush` only full elements are emitted and the rest
 * is returned as residue; with `flush` everything goes out. `isLast` flushes and marks the final
 * element (an empty final element if nothing is left, so the courier knows where to stop).
 */
export function cutElements(stream: Uint8Array, maxPlaintext: number, isStart: boolean, isLast: boolean, flush: boolean): CutElements {
  const size = elementDataBytes(maxPlaintext);
  const elements: Uint8Array[] = [];
  let pos = 0;
  const emit = (data: Uint8Array, final: boolean): void => {
    const e = new Uint8Array(ELEMENT_HEADER_BYTES + data.length);
    e[0] = (elements.length === 0 && isStart ? FLAG_START : 0) | (final ? FLAG_FINAL : 0);
    new DataView(e.buffer).setUint32(1, data.length);
    e.set(data, ELEMENT_HEADER_BYTES);
    elements.push(e);
  };
  while (stream.length - pos > size || (stream.length - pos === size && !isLast)) {
    emit(stream.subarray(pos, pos + size), false);
    pos += size;
  }
  const rest = stream.subarray(pos);
  if (isLast) {
    emit(rest, true);
    return { elements, residue: new Uint8Array(0) };
  }
  if (flush && rest.length > 0) {
    emit(rest, false);
    return { elements, residue: new Uint8Array(0) };
  }
  return { elements, residue: rest.slice() };
}

export type ElementProblem = 'malformed-element' | 'malformed-stream';

/** Decodes one element (a temporary box's plaintext). */
export function parseElement(bytes: Uint8Array): { flags: number; data: Uint8Array } | ElementProblem {
  if (bytes.length < ELEMENT_HEADER_BYTES) return 'malformed-element';
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if (ELEMENT_HEADER_BYTES + n !== bytes.length) return 'malformed-element';
  return { flags: bytes[0]!, data: bytes.subarray(ELEMENT_HEADER_BYTES) };
}

/** Splits the reassembled stream back into envelopes. */
export function splitEnvelopes(stream: Uint8Array): Uint8Array[] | ElementProblem {
  const out: Uint8Array[] = [];
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  let pos = 0;
  while (pos < stream.length) {
    if (stream.length - pos < 4) return 'malformed-stream';
    const n = view.getUint32(pos);
    if (n === 0 || stream.length - pos - 4 < n) return 'malformed-stream';
    out.push(stream.subarray(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  return out;
}
