import { strict as assert } from 'node:assert';
import {
  KATZENQT_CHUNK_BYTES,
  MIN_BOX_PAYLOAD_BYTES,
  StreamReassembler,
  WireError,
  chunkSizeFor,
  decodeReassemblyState,
  encodeReassemblyState,
  parseBox,
  planBoxes,
  pointerBox,
  type BoxOutcome,
} from '../../../src/groupchat/index.js';
import { fakeCap, realReadCap, rng } from './support.js';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

function rejectedCode(o: BoxOutcome): string {
  return o.kind === 'rejected' ? o.error.code : o.kind;
}

describe('groupchat wire: framing and splitting (group-chat-wire.md §1.3, §1.4)', () => {
  it("splits at katzenqt's boundaries: 1529 CBOR bytes one box, 1530 a temp stream, 4000 -> C, C, F(943)", () => {
    assert.equal(planBoxes(new Uint8Array(1529)).layout, 'single');
    const one = planBoxes(new Uint8Array(1530));
    assert.deepEqual(one.layout === 'temp_stream' ? one.tempBoxes.map((b) => [b[0], b.length]) : [], [[0x43, 1530], [0x46, 2]]);
    const big = planBoxes(new Uint8Array(4000));
    assert.deepEqual(big.layout === 'temp_stream' ? big.tempBoxes.map((b) => b.length) : [], [1530, 1530, 943]);
  });

  it('never writes a box above the geometry: the chunk size is min(1530, box payload)', () => {
    assert.equal(chunkSizeFor(4000), KATZENQT_CHUNK_BYTES);
    assert.equal(chunkSizeFor(500), 500);
    assert.throws(() => chunkSizeFor(MIN_BOX_PAYLOAD_BYTES - 1), RangeError);
    for (const size of [MIN_BOX_PAYLOAD_BYTES, 500, 1000]) {
      const cbor = rng(size).bytes(5000);
      const plan = planBoxes(cbor, { boxPayloadBytes: size });
      assert.equal(plan.layout, 'temp_stream');
      const boxes = plan.layout === 'temp_stream' ? plan.tempBoxes : [];
      assert.ok(boxes.every((b) => b.length <= size));
      assert.deepEqual(concat(boxes.map((b) => b.subarray(1))), cbor);
    }
  });

  it('writes the 136-byte pointer by default and the 140-byte form when asked; reads both', () => {
    const cap = realReadCap();
    const short = pointerBox(cap);
    assert.equal(short.length, 137);
    const long = pointerBox(cap, { totalChunks: 4 });
    assert.deepEqual([...long.subarray(0, 5)], [0x49, 0, 0, 0, 4]);
    assert.deepEqual(parseBox(short), { frame: 'I', tempReadCap: cap });
    assert.deepEqual(parseBox(long), { frame: 'I', tempReadCap: cap, totalChunks: 4 });
    assert.throws(() => pointerBox(fakeCap(0x10)), WireError);
    assert.throws(() => pointerBox(new Uint8Array(10)), RangeError);
    assert.throws(() => pointerBox(cap, { totalChunks: 0 }), RangeError);
  });

  it('names what is wrong with a bad box', () => {
    const codeOf = (box: Uint8Array) => {
      try {
        parseBox(box, 'length');
        return 'ok';
      } catch (e) {
        return e instanceof WireError ? e.code : String(e);
      }
    };
    assert.equal(codeOf(new Uint8Array()), 'empty_box');
    assert.equal(codeOf(Uint8Array.of(0x66, 1)), 'bad_framing_byte');
    assert.equal(codeOf(Uint8Array.of(0x43)), 'empty_chunk');
    assert.equal(codeOf(Uint8Array.of(0x49, ...new Uint8Array(137))), 'bad_pointer_length');
    assert.equal(codeOf(Uint8Array.of(0x49, 0, 0, 0, 0, ...fakeCap(0))), 'bad_value');
  });
});

describe('groupchat wire: stream reassembler', () => {
  it('joins C..C F written directly on an own stream, and drops pieces a bad box cuts off', () => {
    const r = new StreamReassembler();
    assert.equal(r.feed(Uint8Array.of(0x43, 1, 2)).kind, 'partial');
    const bad = r.feed(Uint8Array.of(0x20));
    assert.deepEqual(bad.kind === 'rejected' ? [bad.error.code, bad.droppedBoxes] : [], ['bad_framing_byte', 1]);
    r.feed(Uint8Array.of(0x43, 7));
    const done = r.feed(Uint8Array.of(0x46, 8, 9));
    assert.deepEqual(done, { kind: 'message', cbor: Uint8Array.of(7, 8, 9), boxes: 2 });
    assert.deepEqual(r.state.pieces, []);
  });

  it('enforces the size limit before keeping a piece, and the announced chunk count', () => {
    const r = new StreamReassembler({ maxMessageBytes: 10 });
    r.feed(Uint8Array.of(0x43, ...new Uint8Array(6)));
    assert.equal(rejectedCode(r.feed(Uint8Array.of(0x43, ...new Uint8Array(5)))), 'message_too_large');
    assert.equal(r.state.pieces.length, 0);
    const t = new StreamReassembler({ role: 'temp', expectedChunks: 2 });
    t.feed(Uint8Array.of(0x43, 1));
    t.feed(Uint8Array.of(0x43, 2));
    assert.equal(rejectedCode(t.feed(Uint8Array.of(0x46, 3))), 'chunk_count_mismatch');
    assert.equal(rejectedCode(t.feed(Uint8Array.of(0x46, 3))), 'stream_finished');
    const p = new StreamReassembler({ maxMessageBytes: 3, capCheck: 'length' });
    assert.equal(rejectedCode(p.feed(pointerBox(fakeCap(0), { totalChunks: 4, capCheck: 'length' }))), 'message_too_large');
  });

  it("refuses an 'I' box on a temp stream and ends the temp stream at its 'F'", () => {
    const t = new StreamReassembler({ role: 'temp', capCheck: 'length' });
    assert.equal(rejectedCode(t.feed(pointerBox(fakeCap(0), { capCheck: 'length' }))), 'unexpected_pointer');
    const u = new StreamReassembler({ role: 'temp' });
    assert.equal(u.feed(Uint8Array.of(0x46, 1)).kind, 'message');
    assert.equal(rejectedCode(u.feed(Uint8Array.of(0x46, 1))), 'stream_finished');
  });

  it('survives a restart halfway: state -> bytes -> restore -> same message', () => {
    const cbor = rng(7).bytes(9000);
    const plan = planBoxes(cbor, { boxPayloadBytes: 700 });
    const boxes = plan.layout === 'temp_stream' ? plan.tempBoxes : [];
    const first = new StreamReassembler({ role: 'temp', expectedChunks: boxes.length });
    const half = Math.floor(boxes.length / 2);
    for (const b of boxes.slice(0, half)) first.feed(b);
    const saved = encodeReassemblyState(first.state);
    const resumed = StreamReassembler.restore(decodeReassemblyState(saved));
    assert.deepEqual(resumed.state, first.state);
    let last: BoxOutcome | undefined;
    for (const b of boxes.slice(half)) last = resumed.feed(b);
    assert.deepEqual(last, { kind: 'message', cbor, boxes: boxes.length });
  });

  it('refuses a persisted state that does not validate, without touching anything', () => {
    const ok = new StreamReassembler().state;
    const badStates = [
      { ...ok, role: 'other' },
      { ...ok, pieces: [new Uint8Array()] },
      { ...ok, pieces: [new Uint8Array(20)] },
      { ...ok, finished: true },
      { ...ok, expectedChunks: 3 },
      { ...ok, boxesSeen: -1 },
    ];
    for (const s of badStates) {
      assert.throws(() => StreamReassembler.restore(s as never, { maxMessageBytes: 10 }), (e: unknown) => e instanceof WireError && e.code === 'bad_state');
    }
    for (const bytes of [Uint8Array.of(0xa0), Uint8Array.of(0x01, 0x02), encodeReassemblyState(ok).subarray(0, 5)]) {
      assert.throws(() => decodeReassemblyState(bytes), (e: unknown) => e instanceof WireError && e.code === 'bad_state');
    }
  });

  it('throws TypeError for a non-Uint8Array box and RangeError for bad options', () => {
    assert.throws(() => new StreamReassembler().feed('x' as unknown as Uint8Array), TypeError);
    assert.throws(() => new StreamReassembler({ role: 'own', expectedChunks: 2 }), RangeError);
    assert.throws(() => new StreamReassembler({ maxMessageBytes: 0 }), RangeError);
    assert.throws(() => planBoxes(new Uint8Array()), RangeError);
  });
});
