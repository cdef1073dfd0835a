import { strict as assert } from 'node:assert';
import { DEFAULT_POLICY, MIN_READS_PER_SECOND, readRateFor, SchedulerPolicy, type PolicyConfig } from '../../../src/groupchat/scheduler-policy.js';

const CFG: PolicyConfig = { ...DEFAULT_POLICY, maxInFlight: 4, maxBlocking: 2, readsPerSecond: 1000, burst: 1000 };

function policyWith(n: number, cfg: PolicyConfig = CFG, groups = 1): SchedulerPolicy {
  const p = new SchedulerPolicy(cfg, 0);
  for (let i = 0; i < n; i++) p.addStream(`s${String(i).padStart(3, '0')}`, `g${i % groups}`, 0);
  return p;
}

describe('groupchat engine: scheduler policy', () => {
  it('never has more reads in flight than maxInFlight, nor more than the free slots given', () => {
    const p = policyWith(50);
    const d = p.plan(0);
    assert.equal(d.start.length, 4);
    assert.equal(p.plan(1).start.length, 0, 'no slot is free until an outcome comes back');
    p.onOutcome(d.start[0]!.key, 'not_found', 10);
    assert.equal(p.plan(10, 0).start.length, 0, 'freeSlots 0 (writes hold the budget) starts nothing');
    assert.equal(p.plan(10, 5).start.length, 1);
  });

  it('new streams get one fail-fast read each (catch-up after downtime), none blocking before activity', () => {
    const p = policyWith(3);
    const d = p.plan(0);
    assert.deepEqual(d.start.map((s) => s.mode), ['fail_fast', 'fail_fast', 'fail_fast']);
  });

  it('a stream that yields a box is read again at once and becomes a blocking read', () => {
    const p = policyWith(1);
    p.plan(0);
    p.onOutcome('s000', 'box', 100);
    const d = p.plan(100);
    assert.deepEqual(d.start, [{ key: 's000', mode: 'blocking' }]);
  });

  it('gives blocking reads to the most recently active streams, at most maxBlocking', () => {
    const p = policyWith(4);
    const first = p.plan(0).start.map((s) => s.key);
    // s000 active at 10, s001 at 30, s002 at 20, s003 idle.
    p.onOutcome('s000', 'box', 10);
    p.onOutcome('s001', 'box', 30);
    p.onOutcome('s002', 'box', 20);
    p.onOutcome('s003', 'not_found', 30);
    assert.equal(first.length, 4);
    const d = p.plan(30);
    const blocking = d.start.filter((s) => s.mode === 'blocking').map((s) => s.key);
    assert.deepEqual(blocking, ['s001', 's002']);
    assert.deepEqual(d.start.filter((s) => s.mode === 'fail_fast').map((s) => s.key), ['s000'], 's000 still drains its backlog, fail-fast');
    assert.deepEqual(p.inFlight(), { blocking: 2, failFast: 1 });
  });

  it('backs off idle streams exponentially up to maxBackoffMs, and less in a warm group', () => {
    const cfg = { ...CFG, minBackoffMs: 1000, maxBackoffMs: 8000, warmMaxBackoffMs: 2000 };
    const p = new SchedulerPolicy(cfg, 0);
    p.addStream('idle', 'cold', 0);
    const dues: number[] = [];
    let now = 0;
    for (let i = 0; i < 6; i++) {
      const d = p.plan(now);
      assert.deepEqual(d.start, [{ key: 'idle', mode: 'fail_fast' }]);
      p.onOutcome('idle', 'not_found', now);
      const next = p.plan(now);
      assert.equal(next.start.length, 0);
      dues.push(next.wakeAtMs! - now);
      now = next.wakeAtMs!;
    }
    assert.deepEqual(dues, [1000, 2000, 4000, 8000, 8000, 8000]);

    const w = new SchedulerPolicy(cfg, 0);
    w.addStream('talker', 'warm', 0);
    w.addStream('quiet', 'warm', 0);
    w.plan(0);
    w.onOutcome('talker', 'box', 0);
    w.plan(0);
    w.onOutcome('talker', 'box', 0); // two boxes: a conversation, not a stray message
    let t = 0;
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      w.onOutcome('quiet', 'not_found', t);
      const at = w.plan(t).wakeAtMs!;
      waits.push(at - t);
      t = at;
      w.plan(t);
    }
    assert.deepEqual(waits.slice(2), [2000, 2000, 2000], 'warm group streams cap at warmMaxBackoffMs');
  });

  it('when a group turns warm (a second box), its idle streams are polled at once', () => {
    const cfg = { ...CFG, minBackoffMs: 1000, maxBackoffMs: 60_000, maxInFlight: 10, maxBlocking: 2 };
    const p = new SchedulerPolicy(cfg, 0);
    for (const k of ['a', 'b', 'c']) p.addStream(k, 'g', 0);
    p.addStream('other', 'h', 0);
    for (const s of p.plan(0).start) p.onOutcome(s.key, 'not_found', 0);
    for (let t = 1000; t < 40_000; t += 1000) for (const s of p.plan(t).start) p.onOutcome(s.key, 'not_found', t);
    // All idle with long backoffs now. One box in 'a': not warm yet, nobody else is polled.
    p.onOutcome('a', 'box', 40_000);
    const d1 = p.plan(40_000);
    assert.deepEqual(d1.start.map((s) => s.key), ['a']);
    p.onOutcome('a', 'box', 40_100);
    const d2 = p.plan(40_100);
    assert.deepEqual(d2.start.map((s) => s.key).sort(), ['a', 'b', 'c'], 'the group turned warm: b and c are polled at once, h is not');
  });

  it('refreshes a blocking read after blockingRefreshMs (cancel, then read again)', () => {
    const cfg = { ...CFG, blockingRefreshMs: 60_000 };
    const p = new SchedulerPolicy(cfg, 0);
    p.addStream('a', 'g', 0);
    p.plan(0);
    p.onOutcome('a', 'box', 0);
    assert.deepEqual(p.plan(0).start, [{ key: 'a', mode: 'blocking' }]);
    assert.deepEqual(p.plan(59_999).cancel, []);
    assert.deepEqual(p.plan(60_000).cancel, ['a']);
    assert.deepEqual(p.plan(60_001).cancel, [], 'a cancel is asked for once');
    p.onOutcome('a', 'cancelled', 60_010);
    assert.deepEqual(p.plan(60_010).start, [{ key: 'a', mode: 'blocking' }]);
  });

  it('demotes the least recently active blocking read when a more recent stream wants the slot', () => {
    const cfg = { ...CFG, maxInFlight: 4, maxBlocking: 1, minBlockingHoldMs: 1000 };
    const p = new SchedulerPolicy(cfg, 0);
    p.addStream('old', 'g', 0);
    p.addStream('new', 'g', 0);
    p.plan(0);
    p.onOutcome('old', 'box', 0);
    p.onOutcome('new', 'not_found', 0);
    assert.deepEqual(p.plan(0).start, [{ key: 'old', mode: 'blocking' }]);
    // 'new' yields a box while 'old' holds the only blocking slot.
    p.markUrgent('new', 500);
    const d1 = p.plan(500);
    assert.deepEqual(d1.start, [{ key: 'new', mode: 'fail_fast' }]);
    p.onOutcome('new', 'box', 600);
    const d15 = p.plan(600);
    assert.deepEqual(d15.cancel, [], 'not before minBlockingHoldMs');
    assert.deepEqual(d15.start, [{ key: 'new', mode: 'fail_fast' }], 'backlog drained fail-fast while no blocking slot is free');
    p.onOutcome('new', 'not_found', 900);
    const d2 = p.plan(1000);
    assert.deepEqual(d2.cancel, ['old']);
    p.onOutcome('old', 'cancelled', 1001);
    const d3 = p.plan(1001);
    assert.deepEqual(d3.start.find((s) => s.key === 'new'), { key: 'new', mode: 'blocking' });
    assert.equal(d3.start.find((s) => s.key === 'old')?.mode, 'fail_fast');
  });

  it('streams marked fail-fast only (temp streams) never get a blocking read', () => {
    const p = policyWith(1);
    p.plan(0);
    p.setFailFastOnly('s000', true);
    p.onOutcome('s000', 'box', 10, true);
    assert.deepEqual(p.plan(10).start, [{ key: 's000', mode: 'fail_fast' }]);
  });

  it('a transfer keeps its stream urgent: not_found with urgentNext retries after minBackoffMs', () => {
    const p = policyWith(1, { ...CFG, minBackoffMs: 250 });
    p.plan(0);
    p.onOutcome('s000', 'not_found', 0, true);
    assert.equal(p.plan(0).wakeAtMs, 250);
  });

  it('spends no more read starts than the send-rate budget', () => {
    const cfg = { ...CFG, maxInFlight: 16, maxBlocking: 0, readsPerSecond: 2, burst: 2 };
    const p = new SchedulerPolicy(cfg, 0);
    for (let i = 0; i < 10; i++) p.addStream(`s${i}`, 'g', 0);
    let started = 0;
    for (let now = 0; now <= 5000; now += 100) {
      const d = p.plan(now);
      started += d.start.length;
      for (const s of d.start) p.onOutcome(s.key, 'not_found', now);
    }
    assert.ok(started <= 2 + 2 * 5, `started ${started} reads in 5 s at 2/s with a burst of 2`);
    assert.ok(started >= 10);
  });

  it('follows a new read rate from the daemon: the starts per second change, the wake-up follows', () => {
    const cfg = { ...CFG, maxInFlight: 16, maxBlocking: 0, readsPerSecond: 20, burst: 1 };
    const p = new SchedulerPolicy(cfg, 0);
    // Enough idle streams that the rate, not their backoff, limits the starts.
    for (let i = 0; i < 200; i++) p.addStream(`s${i}`, 'g', 0);
    const startsIn = (from: number, to: number): number => {
      let started = 0;
      for (let now = from; now < to; now += 10) {
        const d = p.plan(now);
        started += d.start.length;
        for (const s of d.start) p.onOutcome(s.key, 'not_found', now);
      }
      return started;
    };
    const fast = startsIn(0, 1000);
    p.setReadsPerSecond(0.5, 1000);
    assert.equal(p.readsPerSecond, 0.5);
    const slow = startsIn(1000, 5000);
    assert.ok(fast >= 15, `${fast} starts in the first second at 20/s`);
    assert.ok(slow <= 3, `${slow} starts in 4 s at 0.5/s`);
    assert.throws(() => p.setReadsPerSecond(0, 0), /rate: expected a positive number/);
    assert.equal(p.readsPerSecond, 0.5, 'a bad rate leaves the old one');
  });

  it('derives the read rate from LambdaP: a quarter of the daemon’s packets, within the floor and the configured ceiling', () => {
    assert.equal(readRateFor(0.001, 20), 0.25); // the docker testnet: 1 packet/s
    assert.equal(readRateFor(0.1, 20), 20); // 100 packets/s: capped by the config
    assert.equal(readRateFor(0.04, 20), 10);
    assert.equal(readRateFor(0.0001, 20), MIN_READS_PER_SECOND);
    for (const bad of [undefined, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(readRateFor(bad, 20), 20, String(bad));
  });

  it('after an error the stream waits errorRetryMs (katzenqt: 5 s) and retries the same stream', () => {
    const p = policyWith(1);
    p.plan(0);
    p.onOutcome('s000', 'error', 100);
    const d = p.plan(100);
    assert.equal(d.start.length, 0);
    assert.equal(d.wakeAtMs, 100 + CFG.errorRetryMs);
  });

  it('rejects an inconsistent config', () => {
    assert.throws(() => new SchedulerPolicy({ ...CFG, maxBlocking: 5, maxInFlight: 4 }), RangeError);
    assert.throws(() => new SchedulerPolicy({ ...CFG, readsPerSecond: 0 }), RangeError);
  });
});
