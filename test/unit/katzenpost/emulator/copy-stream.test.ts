import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { FLAG_FINAL, FLAG_START, appendEnvelope, cutElements, parseElement, splitEnvelopes } from '../../../../src/katzenpost/emulator/copy-stream.js';

const MAX = 1549;

function stream(envelopes: number): Uint8Array {
  let s: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < envelopes; i++) s = appendEnvelope(s, randomBytes(1999));
  return s;
}

describe('emulator copy stream (thin-client §2.7, §3.2)', () => {
  for (const [n, boxes] of [[1, 2], [2, 3], [5, 7], [10, 13]] as const) {
    it(`${n} destination boxes need ${boxes} temporary boxes of ≤ 1549 bytes`, () => {
      const cut = cutElements(stream(n), MAX, true, true, false);
      assert.equal(cut.elements.length, boxes);
      assert.ok(cut.elements.every((e) => e.length <= MAX));
      assert.equal(cut.residue.length, 0);
    });
  }

  it('marks start on the first element and final on the last; parse + split gives the envelopes back', () => {
    const s = stream(3);
    const cut = cutElements(s, MAX, true, true, false);
    const parsed = cut.elements.map((e) => parseElement(e));
    assert.ok(parsed.every((p) => typeof p !== 'string'));
    const flags = parsed.map((p) => (p as { flags: number }).flags);
    assert.equal(flags[0]! & FLAG_START, FLAG_START);
    assert.equal(flags.at(-1)! & FLAG_FINAL, FLAG_FINAL);
    assert.ok(flags.slice(0, -1).every((f) => (f & FLAG_FINAL) === 0));
    const joined = Buffer.concat(parsed.map((p) => (p as { data: Uint8Array }).data));
    const envelopes = splitEnvelopes(joined);
    assert.ok(Array.isArray(envelopes));
    assert.equal(envelopes.length, 3);
    assert.ok(envelopes.every((e) => e.length === 1999));
  });

  it('without is_last only full elements go out and the rest is carried in the buffer', () => {
    const s = stream(1);
    const cut = cutElements(s, MAX, true, false, false);
    assert.equal(cut.elements.length, 1);
    assert.equal(cut.residue.length, 2003 - 1544);
    const rest = cutElements(cut.residue, MAX, false, true, false);
    assert.equal(rest.elements.length, 1);
  });

  it('rejects malformed elements and streams', () => {
    assert.equal(parseElement(new Uint8Array(3)), 'malformed-element');
    assert.equal(parseElement(new Uint8Array([0, 0, 0, 0, 9, 1])), 'malformed-element');
    assert.equal(splitEnvelopes(new Uint8Array([0, 0, 0, 5, 1])), 'malformed-stream');
    assert.equal(splitEnvelopes(new Uint8Array([0, 0, 0, 0])), 'malformed-stream');
  });
});
