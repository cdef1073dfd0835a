import { strict as assert } from 'node:assert';
import * as ids from '../../../src/ids/index.js';
import { DeliveryQueues, backoffMs } from '../../../src/bridge/delivery-queue.js';

describe('bridge: ids (src/ids)', () => {
  const table: Array<[string, (s: string) => unknown, string, string]> = [
    ['asGroupId', ids.asGroupId, 'book-club_2', 'no spaces'],
    ['asMemberId', ids.asMemberId, 'ab'.repeat(32), 'AB'.repeat(32)],
    ['asBoxCounter', ids.asBoxCounter, '18446744073709551615', '01'],
    ['asFrontendId', ids.asFrontendId, 'irc:libera', 'Matrix'],
    ['asGhostId', ids.asGhostId, 'kp_0a1b', 'kp-0a1b'],
    ['asTransactionId', ids.asTransactionId, 'kb-1-fake', 'kb 1'],
    ['asFrontendRoomId', ids.asFrontendRoomId, '!r:x', 'a\nb'],
  ];
  for (const [name, fn, good, bad] of table) {
    it(`${name} accepts ${JSON.stringify(good)} and refuses ${JSON.stringify(bad)} with a RangeError`, () => {
      assert.equal(fn(good), good);
      assert.throws(() => fn(bad), RangeError);
      assert.throws(() => fn(''), RangeError);
      assert.throws(() => fn(42 as unknown as string), TypeError);
    });
  }
  it('asJoinRequestId takes positive safe integers only', () => {
    assert.equal(ids.asJoinRequestId(3), 3);
    for (const bad of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1]) assert.throws(() => ids.asJoinRequestId(bad), RangeError);
  });
});

describe('bridge: delivery queues', () => {
  it('runs one drain at a time per key and runs again after a kick during a drain', async () => {
    const q = new DeliveryQueues(() => undefined);
    let running = 0;
    let max = 0;
    let runs = 0;
    const drain = async () => {
      running++;
      max = Math.max(max, running);
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return undefined;
    };
    q.kick('a', drain);
    q.kick('a', drain);
    q.kick('a', drain);
    await q.idle();
    assert.equal(max, 1);
    assert.equal(runs, 2, 'the kicks during the first drain coalesce into one more');
    await q.stop();
  });

  it('wakes a drain that asked to wait, and stop() cancels the wait', async () => {
    const q = new DeliveryQueues(() => undefined);
    let runs = 0;
    q.kick('a', async () => (++runs === 1 ? 10 : undefined));
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(runs, 2);
    q.kick('b', async () => 10_000);
    await q.stop();
  });

  it('a throwing drain is reported and retried, not lost', async () => {
    const errors: string[] = [];
    const q = new DeliveryQueues((k) => errors.push(k));
    q.kick('x', async () => {
      throw new Error('db');
    });
    await q.idle();
    assert.deepEqual(errors, ['x']);
    await q.stop();
  });

  it('backoff doubles up to its cap', () => {
    const p = { baseMs: 100, maxMs: 1000, noticeAfterAttempts: 3 };
    assert.deepEqual([1, 2, 3, 4, 5, 9].map((a) => backoffMs(p, a)), [100, 200, 400, 800, 1000, 1000]);
  });
});
