// Framing (thin-client spec §1.2, §1.3): a 4-byte big-endian length, then exactly one CBOR item,
// at most MAX_FRAME_BYTES. Byte strings are untagged and maps use text keys, so cbor-x runs with
// records and typed-array tags off.
import { Decoder, Encoder } from 'cbor-x';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from './constants.js';
import { ProtocolError } from './protocol-error.js';

const encoder = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: true, variableMapSize: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

/** Encodes one value as CBOR (no length prefix). */
export function encodeCbor(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** Decodes exactly one CBOR item; anything else (trailing bytes included: cbor-x's decode refuses
 *  them) is cbor_malformed. */
export function decodeCbor(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new ProtocolError('cbor_malformed', '', 'empty frame');
  try {
    return decoder.decode(bytes);
  } catch (e) {
    throw new ProtocolError('cbor_malformed', '', `frame is not valid CBOR: ${(e as Error).message}`, { cause: e });
  }
}

/** Prefixes a CBOR payload with its length. Throws RangeError above the cap (our own misuse). */
export function frame(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_FRAME_BYTES) {
    throw new RangeError(`frame of ${payload.length} bytes exceeds MAX_FRAME_BYTES (${MAX_FRAME_BYTES})`);
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, false);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** encodeCbor + frame. */
export function encodeFrame(value: unknown): Uint8Array {
  return frame(encodeCbor(value));
}

/**
 * Splits a byte stream into frame payloads. Chunks are kept in a list and joined once per frame,
 * so a 40 MiB frame arriving in small pieces costs one copy, not a quadratic number.
 * An oversized length is reported as soon as the header is seen, before buffering the body.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private need = -1;
  private failed: ProtocolError | undefined;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > MAX_FRAME_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer in [1, ${MAX_FRAME_BYTES}]`);
    }
  }

  /** Bytes held that do not yet make a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds bytes; returns every payload now complete. After a ProtocolError the decoder stays
   *  failed (the stream cannot be resynchronised). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) return out;
        const head = this.take(FRAME_HEADER_BYTES);
        const n = new DataView(head.buffer, head.byteOffset, FRAME_HEADER_BYTES).getUint32(0, false);
        if (n > this.maxFrameBytes) {
          this.failed = new ProtocolError('frame_too_large', '', `frame length ${n} exceeds the limit of ${this.maxFrameBytes} bytes`);
          throw this.failed;
        }
        this.need = n;
      }
      if (this.buffered < this.need) return out;
      out.push(this.take(this.need));
      this.need = -1;
    }
  }

  /** Call at end of stream: throws `truncated` if a frame was cut off. */
  end(): void {
    if (this.failed) return;
    if (this.buffered > 0 || this.need >= 0) {
      throw new ProtocolError('truncated', '', `stream ended inside a frame (${this.buffered} bytes pending)`);
    }
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    let out: Uint8Array;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = new Uint8Array(n);
      let off = 0;
      while (off < n) {
        const c = this.chunks[0]!;
        const k = Math.min(c.length, n - off);
        out.set(c.subarray(0, k), off);
        off += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    return out;
  }
}
