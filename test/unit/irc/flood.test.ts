import { strict as assert } from 'node:assert';
import { FloodClosedError, FloodQueue, type Clock } from '../../../src/irc/index.js';

/** A clock the test moves by hand; timers fire in due order when time passes them. */
class ManualClock implements Clock {
  t = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown): void => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}

describe('irc flood control pacing (injected clock)', () => {
  it('sends a burst at once, then one line per interval, in order', () => {
    const clock = new ManualClock();
    const sent: Array<[number, string]> = [];
    const q = new FloodQueue({ burstLines: 3, intervalMs: 500, clock, send: (l) => sent.push([clock.t, l]) });
    for (let i = 0; i < 7; i++) void q.send(`l${i}`);
    assert.deepEqual(sent.map(([t]) => t), [0, 0, 0]);
    clock.advance(10_000);
    assert.deepEqual(sent, [[0, 'l0'], [0, 'l1'], [0, 'l2'], [500, 'l3'], [1000, 'l4'], [1500, 'l5'], [2000, 'l6']]);
  });

  it('refills the burst after a quiet period', () => {
    const clock = new ManualClock();
    const sent: number[] = [];
    const q = new FloodQueue({ burstLines: 2, intervalMs: 1000, clock, send: () => sent.push(clock.t) });
    void q.send('a');
    void q.send('b');
    clock.advance(5000);
    void q.send('c');
    void q.send('d');
    void q.send('e');
    assert.deepEqual(sent, [0, 0, 5000, 5000]);
    clock.advance(1000);
    assert.deepEqual(sent, [0, 0, 5000, 5000, 6000]);
  });

  it('resolves each line once handed over, and rejects waiting lines when the connection closes', async () => {
    const clock = new ManualClock();
    const q = new FloodQueue({ burstLines: 1, intervalMs: 1000, clock, send: () => undefined });
    const first = q.send('a');
    const second = q.send('b');
    await first;
    assert.equal(q.waiting, 1);
    q.close();
    await assert.rejects(second, FloodClosedError);
  });

  it('refuses a nonsensical setting', () => {
    assert.throws(() => new FloodQueue({ burstLines: 0, intervalMs: 1, send: () => undefined }), RangeError);
    assert.throws(() => new FloodQueue({ burstLines: 1, intervalMs: -1, send: () => undefined }), RangeError);
  });
});
