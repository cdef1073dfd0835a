// The emulator's side of the thin-client wire (thin-client §1.2, §1.3), on top of the shared
// protocol module: its frame decoder (40 MiB cap), its schema-checked request decoding (a field
// of the wrong type or length fails the frame, so the connection is closed), and its response
// encoder (all 25 keys, null for all but one; Go's null/zero for absent reply fields).
import {
  FrameDecoder, ProtocolError, type ResponseKey, decodeRequest as decodeChecked, encodeResponse,
} from '../protocol/index.js';

export type { ResponseKey };
export { FrameDecoder };

export function encodeFrame(key: ResponseKey, body: Record<string, unknown>): Uint8Array {
  return encodeResponse(key, body as never);
}

/** A frame kpclientd could not decode; the connection that sent it is closed (§1.2). */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs `f`, turning the protocol module's decoding errors into FrameError. */
export function framing<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ProtocolError) throw new FrameError(e.code, e.message);
    throw e;
  }
}

/**
 * Decodes a request frame into its key and checked body; undefined for an empty or unknown
 * variant, which the daemon drops without a reply (§1.7). Unknown keys inside are ignored.
 */
export function decodeRequest(payload: Uint8Array): { type: string; body: Record<string, unknown> } | { unknown: string } {
  const r = framing(() => decodeChecked(payload));
  if (r.key === 'unknown') return { unknown: r.name };
  return { type: r.key, body: r.body as Record<string, unknown> };
}
