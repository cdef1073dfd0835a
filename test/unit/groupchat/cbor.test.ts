import { strict as assert } from 'node:assert';
import { WireError } from '../../../src/groupchat/index.js';
import { CborFloat, CborTagged, decodeCborExact, decodeCborFirst, encodeCbor } from '../../../src/groupchat/wire/cbor.js';

const h = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof WireError, String(e));
    return e.code;
  }
  return 'no error';
};

describe('groupchat wire: strict CBOR (RFC 8949) subset', () => {
  it('writes minimal heads at every boundary, as cbor2 does', () => {
    const cases: Array<[number | bigint, string]> = [
      [0, '00'], [23, '17'], [24, '1818'], [255, '18ff'], [256, '190100'], [65535, '19ffff'],
      [65536, '1a00010000'], [0xffffffff, '1affffffff'], [0x100000000, '1b0000000100000000'],
      [0xffffffffffffffffn, '1bffffffffffffffff'], [-1, '20'], [-25, '3818'], [-(2n ** 64n), '3bffffffffffffffff'],
    ];
    for (const [v, hex] of cases) {
      assert.equal(Buffer.from(encodeCbor(v)).toString('hex'), hex, String(v));
      const back = decodeCborExact(h(hex));
      assert.equal(BigInt(back as number | bigint), BigInt(v));
    }
  });

  it('decodes indefinite-length strings, arrays and maps (cbor2 accepts them)', () => {
    assert.equal(decodeCborExact(h('7f 62 6869 61 21 ff')), 'hi!');
    assert.deepEqual(decodeCborExact(h('5f 42 0102 41 03 ff')), Uint8Array.of(1, 2, 3));
    assert.deepEqual(decodeCborExact(h('9f 01 02 ff')), [1, 2]);
    assert.deepEqual(decodeCborExact(h('bf 61 61 01 ff')), new Map([['a', 1]]));
  });

  it('keeps tags and floats wrapped so integer fields cannot take them', () => {
    const t = decodeCborExact(h('c1 1a 00000001'));
    assert.ok(t instanceof CborTagged && t.tag === 1 && t.value === 1);
    const f = decodeCborExact(h('f9 3c00'));
    assert.ok(f instanceof CborFloat && f.value === 1);
  });

  it('refuses declared lengths beyond the input before allocating', () => {
    assert.equal(code(() => decodeCborFirst(h('5b 7fffffffffffffff'))), 'cbor_too_large');
    assert.equal(code(() => decodeCborFirst(h('5a ffffffff 00'))), 'cbor_too_large');
    assert.equal(code(() => decodeCborFirst(h('9b 0000000100000000'))), 'cbor_too_large');
    assert.equal(code(() => decodeCborFirst(h('ba 00100000 00'))), 'cbor_too_large');
    assert.equal(code(() => decodeCborFirst(h('19 01'))), 'cbor_truncated');
    assert.equal(code(() => decodeCborFirst(new Uint8Array())), 'cbor_truncated');
  });

  it('refuses malformed items, deep nesting and invalid UTF-8', () => {
    assert.equal(code(() => decodeCborFirst(h('1c'))), 'cbor_malformed');
    assert.equal(code(() => decodeCborFirst(h('ff'))), 'cbor_malformed');
    assert.equal(code(() => decodeCborFirst(h('82 01 ff'))), 'cbor_malformed');
    assert.equal(code(() => decodeCborFirst(h('7f 41 00 ff'))), 'cbor_malformed'); // bytes chunk in a text string
    assert.equal(code(() => decodeCborFirst(h('f8 10'))), 'cbor_malformed');
    assert.equal(code(() => decodeCborFirst(new Uint8Array(100).fill(0x81))), 'cbor_too_deep');
    assert.equal(code(() => decodeCborFirst(h('62 ff78'))), 'invalid_utf8');
    assert.equal(code(() => decodeCborFirst(h('63 eda080'))), 'invalid_utf8'); // a lone surrogate
    assert.equal(decodeCborExact(h('63 efbbbf')), '\ufeff'); // a BOM is kept, as in Python
  });

  it('reports where the first item ends, and decodeCborExact refuses trailing bytes', () => {
    assert.deepEqual(decodeCborFirst(h('01 02')), { value: 1, end: 1 });
    assert.equal(code(() => decodeCborExact(h('01 02'))), 'cbor_malformed');
  });

  it('encodes only what it should: no floats, string keys only', () => {
    assert.throws(() => encodeCbor(1.5), RangeError);
    assert.throws(() => encodeCbor(new Map([[1 as unknown as string, 1]])), TypeError);
    assert.throws(() => encodeCbor({} as unknown as null), TypeError);
    assert.equal(Buffer.from(encodeCbor(new Map<string, null | boolean>([['a', null], ['b', true]]))).toString('hex'), 'a26161f66162f5');
  });
});
