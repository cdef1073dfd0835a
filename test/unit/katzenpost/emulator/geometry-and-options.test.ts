import { strict as assert } from 'node:assert';
import { geometryFor } from '../../../../src/katzenpost/emulator/geometry.js';
import { FAST_OPTIONS, parseDuration, parseLatency, withOptions } from '../../../../src/katzenpost/emulator/options.js';
import { sampleLatency } from '../../../../src/katzenpost/emulator/mixnet.js';

describe('emulator geometry (thin-client §1.5, §3.2)', () => {
  it('defaults to the public network: 1549 / 2000 / 1718 and Sphinx 3082 / 2574 / 2000', () => {
    const g = geometryFor();
    assert.deepEqual(g.pigeonhole, {
      MaxPlaintextPayloadLength: 1549, CourierQueryReadLength: 2000, CourierQueryWriteLength: 2000,
      CourierQueryReplyReadLength: 1718, CourierQueryReplyWriteLength: 1718, NIKEName: 'CTIDH1024-X25519', SignatureSchemeName: 'Ed25519',
    });
    assert.equal(g.sphinx.PacketLength, 3082);
    assert.equal(g.sphinx.ForwardPayloadLength, 2574);
    assert.equal(g.sphinx.UserForwardPayloadLength, 2000);
    assert.equal(g.sphinx.NIKEName, 'x25519');
    assert.equal(g.sphinx.KEMName, '');
  });

  it('follows a configured payload size by the 451-byte overhead', () => {
    const g = geometryFor(1000);
    assert.equal(g.sphinx.UserForwardPayloadLength, 1451);
    assert.equal(g.pigeonhole.CourierQueryWriteLength, 1451);
    assert.throws(() => geometryFor(10), RangeError);
    assert.throws(() => geometryFor(1.5), RangeError);
  });
});

describe('emulator options', () => {
  it('parses latency models', () => {
    assert.deepEqual(parseLatency('0'), { kind: 'fixed', ms: 0 });
    assert.deepEqual(parseLatency('250ms'), { kind: 'fixed', ms: 250 });
    assert.deepEqual(parseLatency('2s'), { kind: 'fixed', ms: 2000 });
    assert.deepEqual(parseLatency('500-3000ms'), { kind: 'uniform', minMs: 500, maxMs: 3000 });
    assert.deepEqual(parseLatency('1-3s'), { kind: 'uniform', minMs: 1000, maxMs: 3000 });
    assert.deepEqual(parseLatency('exp:1500ms+400ms'), { kind: 'exponential', meanMs: 1500, minMs: 400 });
    assert.throws(() => parseLatency('fast'), RangeError);
  });

  it('parses durations', () => {
    assert.equal(parseDuration('x', '30s'), 30_000);
    assert.equal(parseDuration('x', '10m'), 600_000);
    assert.equal(parseDuration('x', '250'), 250);
    assert.throws(() => parseDuration('--grace', 'soon'), /--grace/);
  });

  it('rejects impossible settings by name', () => {
    assert.throws(() => withOptions(FAST_OPTIONS, { loss: 1 }), /loss/);
    assert.throws(() => withOptions(FAST_OPTIONS, { unsentQueueLimit: 0 }), /unsentQueueLimit/);
    assert.throws(() => withOptions(FAST_OPTIONS, { sessionGraceMs: -1 }), /sessionGraceMs/);
    assert.throws(() => withOptions(FAST_OPTIONS, { latency: { kind: 'uniform', minMs: 5, maxMs: 1 } }), /maxMs/);
    assert.equal(withOptions(FAST_OPTIONS, { loss: undefined }).loss, 0);
  });

  it('samples latency inside the model', () => {
    const seq = [0, 0.5, 0.999];
    for (const r of seq) {
      const u = sampleLatency({ kind: 'uniform', minMs: 100, maxMs: 200 }, () => r);
      assert.ok(u >= 100 && u <= 200);
      assert.ok(sampleLatency({ kind: 'exponential', meanMs: 10, minMs: 50 }, () => r) >= 50);
    }
    assert.equal(sampleLatency({ kind: 'fixed', ms: 7 }), 7);
  });
});
