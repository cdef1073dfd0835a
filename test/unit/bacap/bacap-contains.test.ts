import { strict as assert } from 'node:assert';
import { BacapError, MAX_CONTAINS_STEPS, MessageBoxIndex, WriteCap } from '../../../src/bacap/index.js';

// Newer upstream's Contains (bacap.md §5.3): an index is on a cap's stream iff stepping the
// cap's own index forward reaches it, all four fields equal; the walk is bounded.
function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof BacapError) return e.code;
    throw e;
  }
}

describe('BACAP Contains (§5.3)', () => {
  const cap = WriteCap.generate();
  const rcap = cap.readCap();
  const first = cap.firstIndex;

  it('accepts the cap\'s own index and later ones, from the write cap and the read cap', () => {
    for (const steps of [0, 1, 7, 300]) {
      const idx = first.advanceTo(first.idx + BigInt(steps));
      assert.equal(code(() => cap.contains(idx)), undefined, `+${steps}`);
      assert.equal(code(() => rcap.contains(idx)), undefined, `+${steps}`);
    }
  });

  it('refuses an earlier index (the ratchet is one-way), also after withIndex', () => {
    const later = first.advanceTo(first.idx + 10n);
    assert.equal(code(() => rcap.withIndex(later).contains(first)), 'INDEX_NOT_ON_STREAM');
    assert.equal(code(() => cap.withIndex(later).contains(first.next())), 'INDEX_NOT_ON_STREAM');
  });

  it('refuses an index at the right position with other secrets: mutated, or from another stream', () => {
    const m = first.advanceTo(first.idx + 3n);
    assert.equal(code(() => cap.contains(m.mutateKdfState(new Uint8Array(32).fill(1)))), 'INDEX_NOT_ON_STREAM');
    const other = WriteCap.generate().firstIndex;
    const forged = MessageBoxIndex.fromParts(m.idx, other.blindingFactor, other.encryptionKey, other.hkdfState);
    assert.equal(code(() => rcap.contains(forged)), 'INDEX_NOT_ON_STREAM');
    const oneFieldOff = MessageBoxIndex.fromParts(m.idx, m.blindingFactor, m.encryptionKey, other.hkdfState);
    assert.equal(code(() => rcap.contains(oneFieldOff)), 'INDEX_NOT_ON_STREAM');
  });

  it('refuses an index more than MAX_CONTAINS_STEPS ahead (INDEX_TOO_FAR)', () => {
    const far = MessageBoxIndex.fromParts(first.idx + BigInt(MAX_CONTAINS_STEPS) + 1n, first.blindingFactor, first.encryptionKey, first.hkdfState);
    assert.equal(code(() => cap.contains(far)), 'INDEX_TOO_FAR');
    assert.equal(MAX_CONTAINS_STEPS, 2 ** 18);
  });

  it('names a wrong kind with TypeError', () => {
    assert.throws(() => cap.contains(first.toBytes() as never), TypeError);
    assert.throws(() => rcap.contains(undefined as never), TypeError);
  });
});
