import { strict as assert } from 'node:assert';
import {
  BacapError,
  MessageBoxIndex,
  PIGEONHOLE_CONTEXT,
  ReadCap,
  ReadPosition,
  StatefulReader,
  StatefulWriter,
  WriteCap,
  boxIdFor,
  encryptForContext,
  openForContext,
  signBox,
  tombstoneFor,
  verifyBox,
} from '../../../src/bacap/index.js';

// STYLE.md §6: the wrong-input table runs against every export. Our own misuse (wrong kinds)
// throws TypeError/RangeError; untrusted bytes of the wrong size or shape throw a BacapError
// with a code; signature checks return false. Nothing crashes or is silently accepted.
const WRONG_KINDS: Array<[string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['number', 42],
  ['string', 'abc'],
  ['array', [1, 2, 3]],
  ['object', { length: 32 }],
];
const WRONG_LENGTHS = [0, 1, 31, 33, 103, 135, 137, 167, 169];

const cap = WriteCap.generate();
const rcap = cap.readCap();
const index = cap.firstIndex;
const box = encryptForContext(cap, index, PIGEONHOLE_CONTEXT, new Uint8Array(10));

function isMisuse(e: unknown): boolean {
  return e instanceof TypeError || e instanceof RangeError || e instanceof BacapError;
}

describe('BACAP wrong-input table', () => {
  const bytesParsers: Array<[string, (b: Uint8Array) => unknown, number]> = [
    ['MessageBoxIndex.fromBytes', (b) => MessageBoxIndex.fromBytes(b), 104],
    ['ReadCap.fromBytes', (b) => ReadCap.fromBytes(b), 136],
    ['WriteCap.fromBytes', (b) => WriteCap.fromBytes(b), 168],
  ];
  for (const [name, parse, size] of bytesParsers) {
    for (const [kind, value] of WRONG_KINDS) {
      it(`${name} rejects ${kind} with TypeError`, () => assert.throws(() => parse(value as Uint8Array), TypeError));
    }
    it(`${name} rejects every wrong length with WRONG_LENGTH`, () => {
      for (const n of WRONG_LENGTHS.filter((n) => n !== size)) {
        assert.throws(() => parse(new Uint8Array(n)), (e: unknown) => e instanceof BacapError && e.code === 'WRONG_LENGTH' && e.message.includes(String(n)));
      }
    });
  }

  it('ReadCap.fromBytes rejects a root key that is not a curve point (INVALID_POINT)', () => {
    const bytes = rcap.toBytes();
    // y = 2 is not the y-coordinate of any Ed25519 point.
    bytes.fill(0, 0, 32);
    bytes[0] = 2;
    assert.throws(() => ReadCap.fromBytes(bytes), (e: unknown) => e instanceof BacapError && e.code === 'INVALID_POINT');
  });

  it('WriteCap.fromBytes rejects a public key that is not the seed\'s (KEY_MISMATCH) and keeps the seed out of the message', () => {
    const bytes = cap.toBytes();
    bytes.set(WriteCap.generate().rootPublicKey, 32);
    assert.throws(
      () => WriteCap.fromBytes(bytes),
      (e: unknown) => e instanceof BacapError && e.code === 'KEY_MISMATCH' && !e.message.includes(Buffer.from(bytes.subarray(0, 32)).toString('hex')),
    );
    assert.equal(JSON.stringify({ cap }), '{"cap":"[WriteCap]"}');
  });

  const calls: Array<[string, (v: unknown) => unknown]> = [
    ['boxIdFor ctx', (v) => boxIdFor(rcap, index, v as Uint8Array)],
    ['encryptForContext ctx', (v) => encryptForContext(cap, index, v as Uint8Array, new Uint8Array(1))],
    ['encryptForContext plaintext', (v) => encryptForContext(cap, index, PIGEONHOLE_CONTEXT, v as Uint8Array)],
    ['signBox message', (v) => signBox(cap, index, PIGEONHOLE_CONTEXT, v as Uint8Array)],
    ['tombstoneFor ctx', (v) => tombstoneFor(cap, index, v as Uint8Array)],
    ['openForContext boxId', (v) => openForContext(rcap, index, PIGEONHOLE_CONTEXT, v as Uint8Array, box.ciphertext, box.signature)],
    ['openForContext ciphertext', (v) => openForContext(rcap, index, PIGEONHOLE_CONTEXT, box.boxId, v as Uint8Array, box.signature)],
    ['openForContext signature', (v) => openForContext(rcap, index, PIGEONHOLE_CONTEXT, box.boxId, box.ciphertext, v as Uint8Array)],
    ['ReadPosition.derive ctx', (v) => ReadPosition.derive(rcap, index, v as Uint8Array)],
    ['MessageBoxIndex.mutateKdfState ctx', (v) => index.mutateKdfState(v as Uint8Array)],
    ['MessageBoxIndex.advanceTo target', (v) => index.advanceTo(v as bigint)],
    ['StatefulWriter.create ctx', (v) => StatefulWriter.create(cap, v as Uint8Array)],
    ['StatefulReader.create ctx', (v) => StatefulReader.create(rcap, v as Uint8Array)],
    ['StatefulWriter.fromCbor', (v) => StatefulWriter.fromCbor(v as Uint8Array)],
    ['StatefulReader.fromCbor', (v) => StatefulReader.fromCbor(v as Uint8Array)],
    ['WriteCap.withIndex', (v) => cap.withIndex(v as MessageBoxIndex)],
    ['ReadCap.withIndex', (v) => rcap.withIndex(v as MessageBoxIndex)],
    // undefined means "the default secure RNG", so the rng rows pass null instead.
    ['WriteCap.generate rng', (v) => WriteCap.generate((v ?? null) as () => Uint8Array)],
    ['WriteCap.generate rng output', (v) => WriteCap.generate(() => v as Uint8Array)],
    ['MessageBoxIndex.create rng', (v) => MessageBoxIndex.create((v ?? null) as () => Uint8Array)],
    ['MessageBoxIndex.create rule', (v) => MessageBoxIndex.create(undefined, (v ?? 'v0.0.75') as 'fixed')],
    ['MessageBoxIndex.fromParts idx', (v) => MessageBoxIndex.fromParts(v as bigint, new Uint8Array(32), new Uint8Array(32), new Uint8Array(32))],
    ['MessageBoxIndex.fromParts blindingFactor', (v) => MessageBoxIndex.fromParts(1n, v as Uint8Array, new Uint8Array(32), new Uint8Array(32))],
    ['MessageBoxIndex.equals', (v) => index.equals(v as MessageBoxIndex)],
    ['StatefulWriter.create cap', (v) => StatefulWriter.create(v as WriteCap, PIGEONHOLE_CONTEXT)],
    ['StatefulReader.create cap', (v) => StatefulReader.create(v as ReadCap, PIGEONHOLE_CONTEXT)],
    ['openForContext cap', (v) => openForContext(v as ReadCap, index, PIGEONHOLE_CONTEXT, box.boxId, box.ciphertext, box.signature)],
    ['ReadPosition.open boxId', (v) => ReadPosition.derive(rcap, index, PIGEONHOLE_CONTEXT).open(v as Uint8Array, box.ciphertext, box.signature)],
    ['StatefulReader.decryptNext signature', (v) => StatefulReader.create(rcap, PIGEONHOLE_CONTEXT).decryptNext(box.boxId, box.ciphertext, v as Uint8Array)],
    ['StatefulWriter.encryptNext plaintext', (v) => StatefulWriter.create(cap, PIGEONHOLE_CONTEXT).encryptNext(v as Uint8Array)],
  ];
  for (const [name, call] of calls) {
    it(`${name}: every wrong kind is refused with a typed error`, () => {
      for (const [kind, value] of WRONG_KINDS) {
        assert.throws(() => call(value), isMisuse, `${name} accepted ${kind}`);
      }
    });
  }

  it('every export that takes an AEAD variant refuses an unknown one with TypeError', () => {
    const bad = 'nonce13' as never;
    const calls: Array<[string, () => unknown]> = [
      ['encryptForContext', () => encryptForContext(cap, index, PIGEONHOLE_CONTEXT, new Uint8Array(1), bad)],
      ['openForContext', () => openForContext(rcap, index, PIGEONHOLE_CONTEXT, box.boxId, box.ciphertext, box.signature, bad)],
      ['ReadPosition.derive', () => ReadPosition.derive(rcap, index, PIGEONHOLE_CONTEXT, bad)],
      ['StatefulWriter.create', () => StatefulWriter.create(cap, PIGEONHOLE_CONTEXT, bad)],
      ['StatefulReader.create', () => StatefulReader.create(rcap, PIGEONHOLE_CONTEXT, bad)],
      ['StatefulReader.createAt', () => StatefulReader.createAt(rcap, PIGEONHOLE_CONTEXT, index, bad)],
      ['StatefulWriter.fromCbor', () => StatefulWriter.fromCbor(StatefulWriter.create(cap, PIGEONHOLE_CONTEXT).toCbor(), bad)],
      ['StatefulReader.fromCbor', () => StatefulReader.fromCbor(StatefulReader.create(rcap, PIGEONHOLE_CONTEXT).toCbor(), bad)],
    ];
    for (const [name, call] of calls) assert.throws(call, TypeError, name);
  });

  it('box operations refuse a wrong cap or index kind with TypeError (a ReadCap cannot sign)', () => {
    const rcapAsWriter = rcap as unknown as WriteCap;
    assert.throws(() => encryptForContext(rcapAsWriter, index, PIGEONHOLE_CONTEXT, new Uint8Array(1)), TypeError);
    assert.throws(() => signBox(rcapAsWriter, index, PIGEONHOLE_CONTEXT, new Uint8Array(1)), TypeError);
    assert.throws(() => tombstoneFor(rcapAsWriter, index, PIGEONHOLE_CONTEXT), TypeError);
    assert.throws(() => StatefulReader.createAt(rcap, PIGEONHOLE_CONTEXT, index.toBytes() as never), TypeError);
    for (const [, value] of WRONG_KINDS) {
      assert.throws(() => boxIdFor(value as ReadCap, index, PIGEONHOLE_CONTEXT), TypeError);
      assert.throws(() => boxIdFor(rcap, value as MessageBoxIndex, PIGEONHOLE_CONTEXT), TypeError);
      assert.throws(() => openForContext(rcap, value as MessageBoxIndex, PIGEONHOLE_CONTEXT, box.boxId, box.ciphertext, box.signature), TypeError);
    }
  });

  it('verifyBox returns false, never throws, for wrong kinds and lengths', () => {
    for (const [, value] of WRONG_KINDS) {
      assert.equal(verifyBox(value as Uint8Array, box.ciphertext, box.signature), false);
      assert.equal(verifyBox(box.boxId, value as Uint8Array, box.signature), false);
      assert.equal(verifyBox(box.boxId, box.ciphertext, value as Uint8Array), false);
    }
    for (const n of [0, 31, 33, 63, 65]) {
      assert.equal(verifyBox(new Uint8Array(n), box.ciphertext, box.signature), false);
      assert.equal(verifyBox(box.boxId, box.ciphertext, new Uint8Array(n)), false);
    }
  });

  it('open rejects a wrong-length box ID as WRONG_BOX and an all-zero one as EMPTY_BOX', () => {
    const pos = ReadPosition.derive(rcap, index, PIGEONHOLE_CONTEXT);
    assert.throws(() => pos.open(box.boxId.subarray(0, 31), box.ciphertext, box.signature), (e: unknown) => e instanceof BacapError && e.code === 'WRONG_BOX');
    assert.throws(() => pos.open(new Uint8Array(32), box.ciphertext, box.signature), (e: unknown) => e instanceof BacapError && e.code === 'EMPTY_BOX');
  });

  it('stateful CBOR: garbage, wrong shapes and wrong field types are BAD_CBOR / MISSING_FIELD / WRONG_LENGTH', () => {
    const good = StatefulReader.create(rcap, PIGEONHOLE_CONTEXT).toCbor();
    const inputs: Array<[string, Uint8Array]> = [
      ['truncated', good.subarray(0, good.length - 5)],
      ['garbage', Uint8Array.of(0xff, 0x00, 0x13)],
      ['an array', Uint8Array.of(0x82, 0x01, 0x02)],
      ['a byte string', Uint8Array.of(0x43, 1, 2, 3)],
      ['Rcap as text', Uint8Array.from(Buffer.from('a464526361706378797a6d4c617374496e626f7852656164f6694e657874496e646578f66343747840', 'hex'))],
    ];
    for (const [what, bytes] of inputs) {
      assert.throws(() => StatefulReader.fromCbor(bytes), (e: unknown) => e instanceof BacapError, what);
    }
  });
});
