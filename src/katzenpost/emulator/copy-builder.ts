// create_courier_envelopes_* (thin-client §2.7): turn destination writes into CopyStreamElements
// for a temporary stream. Each destination payload is cut into MaxPlaintext − 4 byte chunks, one
// per destination box, sealed as a write envelope; the envelopes go into the element stream.
import { type MessageBoxIndex, type WriteCap, tombstoneFor, PIGEONHOLE_CONTEXT } from '../../bacap/index.js';
import type { SealedBox } from '../../bacap/index.js';
import { sealMessage } from './boxes.js';
import type { DaemonContext } from './context.js';
import { appendEnvelope, chunkBytes, cutElements } from './copy-stream.js';

/** §2.7: each payload ≤ 10 MiB (the protocol module's constant, shared with the client). */
export { MAX_COPY_PAYLOAD_BYTES } from '../protocol/index.js';
/** §3.8: the courier reads at most 65,536 envelopes. */
export const MAX_COPY_ENVELOPES = 65_536;

export interface Destination {
  readonly payload: Uint8Array;
  readonly cap: WriteCap;
  readonly start: MessageBoxIndex;
}

export interface Built {
  readonly elements: Uint8Array[];
  /** Null when nothing is carried over (Go's nil []byte). */
  readonly residue: Uint8Array | null;
  readonly nextIndices: MessageBoxIndex[];
}

function envelopeFor(ctx: DaemonContext, box: SealedBox): Uint8Array {
  const nums = new Uint8Array([0, 1]);
  // A CourierEnvelope is the CourierQuery without its type byte (§3.2: 1999 + 4 per envelope).
  return ctx.envelopes.seal({ kind: 'write', ...box }, ctx.replicas.replicaEpoch(), nums).messageCiphertext.slice(1);
}

function finish(ctx: DaemonContext, stream: Uint8Array, isStart: boolean, isLast: boolean, flush: boolean, nextIndices: MessageBoxIndex[]): Built {
  const cut = cutElements(stream, ctx.geometry.pigeonhole.MaxPlaintextPayloadLength, isStart, isLast, flush);
  return { elements: cut.elements, residue: cut.residue.length ? cut.residue : null, nextIndices };
}

export function buildFromPayloads(
  ctx: DaemonContext,
  destinations: readonly Destination[],
  isStart: boolean,
  isLast: boolean,
  buffer: Uint8Array | undefined,
  flush: boolean,
): Built | undefined {
  const max = ctx.geometry.pigeonhole.MaxPlaintextPayloadLength;
  const size = chunkBytes(max);
  let stream = buffer ?? new Uint8Array(0);
  const nextIndices: MessageBoxIndex[] = [];
  let count = 0;
  try {
    for (const d of destinations) {
      let index = d.start;
      for (let pos = 0; pos < d.payload.length; pos += size) {
        if (++count > MAX_COPY_ENVELOPES) return undefined;
        stream = appendEnvelope(stream, envelopeFor(ctx, sealMessage(d.cap, index, d.payload.subarray(pos, pos + size), max)));
        index = index.next();
      }
      nextIndices.push(index);
    }
  } catch {
    return undefined;
  }
  return finish(ctx, stream, isStart, isLast, flush, nextIndices);
}

export function buildTombstoneRange(
  ctx: DaemonContext,
  cap: WriteCap,
  start: MessageBoxIndex,
  count: number,
  isStart: boolean,
  isLast: boolean,
  buffer: Uint8Array | undefined,
): Built | undefined {
  if (count > MAX_COPY_ENVELOPES) return undefined;
  let stream = buffer ?? new Uint8Array(0);
  let index = start;
  try {
    for (let i = 0; i < count; i++) {
      stream = appendEnvelope(stream, envelopeFor(ctx, tombstoneFor(cap, index, PIGEONHOLE_CONTEXT)));
      index = index.next();
    }
  } catch {
    return undefined;
  }
  return finish(ctx, stream, isStart, isLast, false, [index]);
}
