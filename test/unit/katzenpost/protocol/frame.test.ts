import { strict as assert } from 'node:assert';
import {
  FrameDecoder, MAX_FRAME_BYTES, ProtocolError, decodeCbor, encodeCbor, encodeFrame, frame,
} from '../../../../src/katzenpost/protocol/index.js';

const code = (c: string) => (e: unknown) => e instanceof ProtocolError && e.code === c;

describe('katzenpost protocol: frame codec (thin-client §1.2)', () => {
  it('prefixes one CBOR item with its 4-byte big-endian length', () => {
    const f = encodeFrame({ thin_close: {} });
    const n = new DataView(f.buffer).getUint32(0, false);
    assert.equal(n, f.length - 4);
    assert.deepEqual(decodeCbor(f.subarray(4)), { thin_close: {} });
  });

  it('round-trips frames split at every byte boundary and several frames in one chunk', () => {
    const values = [{ a: new Uint8Array([1, 2, 3]) }, { b: 'x'.repeat(300) }, { c: [1, 2, { d: true }] }];
    const stream = Buffer.concat(values.map((v) => encodeFrame(v)));
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder();
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      assert.equal(out.length, 3, `cut at ${cut}`);
      const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
      assert.deepEqual(out.map(hex), values.map((v) => hex(encodeCbor(v))));
      assert.deepEqual(decodeCbor(out[2]!), { c: [1, 2, { d: true }] });
      assert.equal(d.pendingBytes, 0);
      d.end();
    }
  });

  it('decodes a large frame fed in small chunks', () => {
    const big = new Uint8Array(3 * 1024 * 1024).fill(7);
    const f = encodeFrame({ payload: big });
    const d = new FrameDecoder();
    const out: Uint8Array[] = [];
    for (let i = 0; i < f.length; i += 65536) out.push(...d.push(f.subarray(i, i + 65536)));
    assert.equal(out.length, 1);
    assert.deepEqual((decodeCbor(out[0]!) as { payload: Uint8Array }).payload.length, big.length);
  });

  it('reports a truncated stream at end', () => {
    const f = encodeFrame({ x: 1 });
    const d = new FrameDecoder();
    assert.deepEqual(d.push(f.subarray(0, f.length - 1)), []);
    assert.throws(() => d.end(), code('truncated'));
    const d2 = new FrameDecoder();
    d2.push(new Uint8Array([0, 0]));
    assert.throws(() => d2.end(), code('truncated'));
  });

  it('rejects an oversized length as soon as the header arrives, and stays failed', () => {
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, MAX_FRAME_BYTES + 1, false);
    const d = new FrameDecoder();
    assert.throws(() => d.push(head), code('frame_too_large'));
    assert.throws(() => d.push(encodeFrame({ ok: 1 })), code('frame_too_large'));
    // exactly the cap is allowed (only the header is checked here)
    new DataView(head.buffer).setUint32(0, MAX_FRAME_BYTES, false);
    assert.deepEqual(new FrameDecoder().push(head), []);
  });

  it('honours a smaller configured limit and refuses a bad one', () => {
    const d = new FrameDecoder(10);
    assert.throws(() => d.push(encodeFrame({ long: 'x'.repeat(20) })), code('frame_too_large'));
    assert.throws(() => new FrameDecoder(0), RangeError);
    assert.throws(() => new FrameDecoder(MAX_FRAME_BYTES + 1), RangeError);
  });

  it('refuses to frame more than 40 MiB as our own misuse (RangeError)', () => {
    assert.throws(() => frame(new Uint8Array(MAX_FRAME_BYTES + 1)), RangeError);
  });

  it('reports garbage, empty and multi-item payloads as cbor_malformed', () => {
    for (const bad of [new Uint8Array([0xff]), new Uint8Array([0x5f, 0x41]), new Uint8Array([0xa1, 0x61]), new Uint8Array(0), new Uint8Array([0x01, 0x02])]) {
      assert.throws(() => decodeCbor(bad), code('cbor_malformed'), Buffer.from(bad).toString('hex'));
    }
  });

  it('survives hostile CBOR: huge declared lengths and deep nesting are cbor_malformed, fast', () => {
    for (const hex of ['9b00000000ffffffff', '9affffffff', 'bafffffff0', '5affffffff00', '9f9f9f9f9f9f']) {
      assert.throws(() => decodeCbor(Buffer.from(hex, 'hex')), code('cbor_malformed'), hex);
    }
    const deep = Buffer.concat([Buffer.alloc(100_000, 0x81), Buffer.from([0x01])]);
    assert.throws(() => decodeCbor(deep), code('cbor_malformed'));
  });

  it('encodes byte strings untagged (major type 2), never as typed-array tags', () => {
    const cbor = encodeCbor({ b: new Uint8Array([9, 9]) });
    // a1 61 62 42 09 09 : map(1) "b" bytes(2)
    assert.equal(Buffer.from(cbor).toString('hex'), 'a161624209' + '09');
  });
});
