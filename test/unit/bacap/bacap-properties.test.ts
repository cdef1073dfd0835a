import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import {
  BacapError,
  PIGEONHOLE_CONTEXT,
  ReadPosition,
  StatefulReader,
  StatefulWriter,
  WriteCap,
  encryptForContext,
  openForContext,
  tombstoneFor,
  verifyBox,
  type AeadVariant,
} from '../../../src/bacap/index.js';
import { verifyExact } from '../../../src/bacap/signature.js';

// Property tests (issue 2): random round trips, single-bit tampering, long stateful runs.
// BACAP_PROPERTY_SCALE multiplies the iteration counts for a deeper local run.
const SCALE = Number(process.env['BACAP_PROPERTY_SCALE'] ?? '1');
const MAX_PLAINTEXT = 1553;

function rand(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

function randomInt(maxInclusive: number): number {
  return Math.floor(Math.random() * (maxInclusive + 1));
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

function rejects(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (!(e instanceof BacapError)) throw e;
    return true;
  }
}

for (const variant of ['nonce12', 'nonce16'] as AeadVariant[]) {
  describe(`BACAP properties (${variant})`, () => {
    const cap = WriteCap.generate();
    const rcap = cap.readCap();

    it('encrypt -> open round-trips for random sizes 0..1553 at random indices and contexts', () => {
      const sizes = [0, 1, 15, 16, 17, MAX_PLAINTEXT];
      for (let i = 0; i < 40 * SCALE; i++) sizes.push(randomInt(MAX_PLAINTEXT));
      let index = cap.firstIndex;
      for (const size of sizes) {
        index = index.advanceTo(index.idx + BigInt(randomInt(3)));
        const ctx = Math.random() < 0.5 ? PIGEONHOLE_CONTEXT : rand(randomInt(40));
        const pt = rand(size);
        const box = encryptForContext(cap, index, ctx, pt, variant);
        assert.equal(box.ciphertext.length, size + 16);
        const opened = openForContext(rcap, index, ctx, box.boxId, box.ciphertext, box.signature, variant);
        assert.deepEqual(opened, { kind: 'message', plaintext: pt }, `size ${size}`);
      }
    });

    it('any single flipped bit in box ID, signature or ciphertext is rejected', () => {
      const index = cap.firstIndex.next();
      const pos = ReadPosition.derive(rcap, index, PIGEONHOLE_CONTEXT, variant);
      const box = encryptForContext(cap, index, PIGEONHOLE_CONTEXT, rand(100), variant);
      const fields: Array<[string, Uint8Array, (b: Uint8Array) => unknown]> = [
        ['box ID', box.boxId, (b) => pos.open(b, box.ciphertext, box.signature)],
        ['signature', box.signature, (b) => pos.open(box.boxId, box.ciphertext, b)],
        ['ciphertext', box.ciphertext, (b) => pos.open(box.boxId, b, box.signature)],
      ];
      for (const [name, bytes, open] of fields) {
        // Every bit of the box ID and signature; a random sample of ciphertext bits (plus the tag).
        const bits = name === 'ciphertext' ? Array.from({ length: 200 * SCALE }, () => randomInt(bytes.length * 8 - 1)) : [...Array(bytes.length * 8).keys()];
        for (const bit of bits) assert.ok(rejects(() => open(flipBit(bytes, bit))), `${name} bit ${bit} accepted`);
      }
      // And a tombstone's signature does not carry over to any other box.
      const tomb = tombstoneFor(cap, index.next(), PIGEONHOLE_CONTEXT);
      assert.ok(rejects(() => pos.open(tomb.boxId, tomb.ciphertext, tomb.signature)));
    });

    it('stateful writer and reader stay in step over thousands of messages and survive CBOR save/restore', () => {
      let writer = StatefulWriter.create(cap, PIGEONHOLE_CONTEXT, variant);
      let reader = StatefulReader.create(rcap, PIGEONHOLE_CONTEXT, variant);
      const total = 2000 * SCALE;
      for (let i = 0; i < total; i++) {
        const pt = new TextEncoder().encode(`message ${i}`);
        const box = i % 97 === 13 ? (writer.advanceState(), tombstoneFor(cap, writer.lastWritten!, PIGEONHOLE_CONTEXT)) : writer.encryptNext(pt);
        const opened = reader.decryptNext(box.boxId, box.ciphertext, box.signature);
        if (i % 97 === 13) assert.equal(opened.kind, 'tombstone');
        else assert.deepEqual(opened, { kind: 'message', plaintext: pt });
        if (i % 500 === 250) {
          writer = StatefulWriter.fromCbor(writer.toCbor(), variant);
          reader = StatefulReader.fromCbor(reader.toCbor(), variant);
        }
      }
      assert.equal(writer.next.idx, cap.firstIndex.idx + BigInt(total));
      assert.equal(reader.next.idx, writer.next.idx);
    });
  });
}

describe('BACAP verification: fast path agrees with the exact Go algorithm', () => {
  it('on valid, tampered and random signatures and keys', () => {
    const cap = WriteCap.generate();
    for (let i = 0; i < 60 * SCALE; i++) {
      const index = cap.firstIndex.advanceTo(cap.firstIndex.idx + BigInt(i));
      const box = encryptForContext(cap, index, PIGEONHOLE_CONTEXT, rand(randomInt(64)));
      const cases: Array<[Uint8Array, Uint8Array, Uint8Array]> = [
        [box.boxId, box.ciphertext, box.signature],
        [box.boxId, box.ciphertext, flipBit(box.signature, randomInt(511))],
        [flipBit(box.boxId, randomInt(255)), box.ciphertext, box.signature],
        [rand(32), box.ciphertext, rand(64)],
      ];
      for (const [id, msg, sig] of cases) assert.equal(verifyBox(id, msg, sig), verifyExact(id, msg, sig));
    }
  });

  it('on the key encodings where libsodium and Go decode differently (non-canonical y, x = 0 with sign bit)', () => {
    const enc = (low: number, fill: number, top: number) => {
      const k = new Uint8Array(32).fill(fill);
      k[0] = low;
      k[31] = top;
      return k;
    };
    const edgeKeys = [
      enc(0xec, 0xff, 0x7f), // y = p - 1
      enc(0xec, 0xff, 0xff), // y = p - 1, sign bit set (x = 0)
      enc(0x01, 0x00, 0x00), // y = 1 (the identity)
      enc(0x01, 0x00, 0x80), // y = 1, sign bit set
      enc(0xee, 0xff, 0x7f), // y = p + 1: non-canonical 1
      enc(0xed, 0xff, 0xff), // y = p: non-canonical 0, sign bit set
    ];
    for (const key of edgeKeys) {
      for (let i = 0; i < 5; i++) {
        const msg = rand(i * 7);
        const sig = rand(64);
        sig[63]! &= 0x0f;
        assert.equal(verifyBox(key, msg, sig), verifyExact(key, msg, sig));
      }
    }
  });
});
