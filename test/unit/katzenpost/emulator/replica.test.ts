import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIGEONHOLE_CONTEXT, WriteCap, encryptForContext, tombstoneFor } from '../../../../src/bacap/index.js';
import { BoxStore } from '../../../../src/katzenpost/emulator/box-store.js';
import { Replicas } from '../../../../src/katzenpost/emulator/replica.js';
import { FAST_OPTIONS } from '../../../../src/katzenpost/emulator/options.js';

describe('emulator replicas (thin-client §3.3, §3.5; bacap.md §9)', () => {
  let store: BoxStore;
  let now: number;
  let replicas: Replicas;
  const cap = WriteCap.generate();
  const idx = cap.firstIndex;
  const box = (text: string) => encryptForContext(cap, idx, PIGEONHOLE_CONTEXT, new TextEncoder().encode(text));

  beforeEach(async () => {
    store = await BoxStore.open(undefined);
    now = Date.now();
    replicas = new Replicas(store, { ...FAST_OPTIONS, clock: { now: () => now }, maxBoxes: 2 });
  });
  afterEach(() => store.close());

  it('write-once, identical rewrite idempotent, different data refused with 10', async () => {
    assert.equal(await replicas.write(box('a')), 0);
    assert.equal(await replicas.write(box('a')), 0);
    assert.equal(await replicas.write(box('b')), 10);
    assert.deepEqual(replicas.read(box('a').boxId)!.ciphertext, box('a').ciphertext);
  });

  it('a signature that does not verify against the box ID is refused with 3; nothing is stored', async () => {
    const b = box('a');
    const sig = b.signature.slice();
    sig[0]! ^= 1;
    assert.equal(await replicas.write({ ...b, signature: sig }), 3);
    const other = WriteCap.generate();
    const foreign = encryptForContext(other, other.firstIndex, PIGEONHOLE_CONTEXT, new Uint8Array([1]));
    assert.equal(await replicas.write({ ...foreign, boxId: b.boxId }), 3);
    assert.equal(await replicas.write({ ...b, boxId: b.boxId.subarray(0, 31) }), 2);
    assert.equal(store.size, 0);
  });

  it('tombstones overwrite data and each other, and are accepted when storage is full', async () => {
    assert.equal(await replicas.write(box('a')), 0);
    assert.equal(await replicas.write(tombstoneFor(cap, idx, PIGEONHOLE_CONTEXT)), 0);
    assert.equal(replicas.read(box('a').boxId)!.ciphertext.length, 0);
    assert.equal(await replicas.write(box('a')), 10);
    const second = idx.next();
    const third = second.next();
    assert.equal(await replicas.write(encryptForContext(cap, second, PIGEONHOLE_CONTEXT, new Uint8Array([2]))), 0);
    assert.equal(await replicas.write(encryptForContext(cap, third, PIGEONHOLE_CONTEXT, new Uint8Array([3]))), 6);
    assert.equal(await replicas.write(tombstoneFor(cap, third, PIGEONHOLE_CONTEXT)), 0);
  });

  it('data lives through the next replica epoch and is gone after the TTL', async () => {
    await replicas.write(box('a'));
    now += 8 * 24 * 3600_000;
    assert.ok(replicas.read(box('a').boxId));
    now += 7 * 24 * 3600_000;
    assert.equal(replicas.read(box('a').boxId), undefined);
    assert.equal(await replicas.write(box('b')), 0, 'an expired box can be written again');
  });

  it('waitForWrite resolves on the next write and on abort', async () => {
    const b = box('a');
    let woke = false;
    const w = replicas.waitForWrite(b.boxId, new AbortController().signal).then(() => (woke = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(woke, false);
    await replicas.write(b);
    await w;
    const ac = new AbortController();
    const p = replicas.waitForWrite(box('z').boxId, ac.signal);
    ac.abort();
    await p;
  });

  it('keeps boxes and copy results across a reopen of the same folder; secrets stay the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-emu-store-'));
    try {
      const s1 = await BoxStore.open(dir);
      const r1 = new Replicas(s1, FAST_OPTIONS);
      await r1.write(box('kept'));
      await s1.putCopyResult(new Uint8Array(32).fill(7), { errorCode: 26, replicaErrorCode: 10, failedEnvelopeIndex: 2, finishedAt: 5 });
      const secret = await s1.secret('network-secret');
      await s1.close();
      const s2 = await BoxStore.open(dir);
      assert.equal(s2.size, 1);
      assert.deepEqual(new Replicas(s2, FAST_OPTIONS).read(box('kept').boxId)!.ciphertext, box('kept').ciphertext);
      assert.deepEqual(s2.copyResult(new Uint8Array(32).fill(7)), { errorCode: 26, replicaErrorCode: 10, failedEnvelopeIndex: 2, finishedAt: 5 });
      assert.deepEqual(await s2.secret('network-secret'), secret);
      await s2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
