import { strict as assert } from 'node:assert';
import { AbortedError, Mixnet } from '../../../../src/katzenpost/emulator/mixnet.js';
import { FAST_OPTIONS } from '../../../../src/katzenpost/emulator/options.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('emulator mixnet model (thin-client §1.7, §3.6)', () => {
  it('offline: nothing is sent until the link comes back, then every waiter goes in order', async () => {
    const m = new Mixnet({ ...FAST_OPTIONS, online: false });
    const order: number[] = [];
    const sends = [1, 2, 3].map((i) => m.sendSlot().then(() => order.push(i)));
    await tick();
    assert.deepEqual(order, []);
    m.setOnline(true);
    await Promise.all(sends);
    assert.deepEqual(order, [1, 2, 3]);
    m.close();
  });

  it('an aborted waiter leaves the queue and rejects with AbortedError', async () => {
    const m = new Mixnet({ ...FAST_OPTIONS, online: false });
    const ac = new AbortController();
    const p = m.sendSlot(ac.signal);
    ac.abort();
    await assert.rejects(p, AbortedError);
    m.close();
  });

  it('paced: packets leave one per tick, first come first served', async () => {
    const m = new Mixnet({ ...FAST_OPTIONS, sendRatePerSecond: 1000 }, () => 0.5);
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((i) => m.sendSlot().then(() => order.push(i))));
    assert.deepEqual(order, [1, 2, 3, 4]);
    m.close();
  });

  it('loss costs a retransmission: each lost trip takes another send slot', async () => {
    const draws = [0.1, 0.1, 0.9]; // lost, lost, delivered
    const m = new Mixnet({ ...FAST_OPTIONS, loss: 0.5 }, () => draws.shift() ?? 0.9);
    let slots = 0;
    const orig = m.sendSlot.bind(m);
    m.sendSlot = (s?: AbortSignal) => {
      slots++;
      return orig(s);
    };
    let sent = 0;
    await m.roundTrip(undefined, () => sent++);
    assert.equal(slots, 3);
    assert.equal(sent, 1, 'onSent fires once, for the first transmission');
    m.close();
  });

  it('close rejects waiters', async () => {
    const m = new Mixnet({ ...FAST_OPTIONS, online: false });
    const p = m.sendSlot();
    m.close();
    await assert.rejects(p, AbortedError);
  });
});
