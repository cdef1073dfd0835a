import { strict as assert } from 'node:assert';
import { DurableAppService, MatrixState } from '../../../src/matrix/index.js';
import { ANSWER_SPACING_MS, transactionKey, type DurableAppServiceOptions } from '../../../src/matrix/durable-appservice.js';
import { Database } from '../../../src/store/index.js';
import { freePort } from '../../support/servers/free-port.js';
import { migratedMemoryDb } from '../../support/memory-db.js';

// Against the installed matrix-appservice over real HTTP on loopback: the override of its
// transaction route is what makes a homeserver's retry safe, so it is checked end to end.

const HS_TOKEN = 'hs-token-for-tests';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('DurableAppService (appservice transactions that survive a restart)', () => {
  let db: Database;
  let state: MatrixState;
  const running: DurableAppService[] = [];
  let port: number;

  async function start(onEvent: (e: { event_id: string }) => unknown, o: DurableAppServiceOptions = { answerSpacingMs: 0 }): Promise<DurableAppService> {
    const as = new DurableAppService(HS_TOKEN, state, undefined, o);
    as.on('event', onEvent as (e: unknown) => unknown);
    await as.listen(port, '127.0.0.1', 10);
    running.push(as);
    return as;
  }

  const put = (txn: string, events: unknown[], token = HS_TOKEN): Promise<Response> =>
    fetch(`http://127.0.0.1:${port}/_matrix/app/v1/transactions/${txn}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ events }),
    });

  const ev = (id: string) => ({ type: 'm.room.message', event_id: id, room_id: '!r:x', sender: '@a:x', content: {} });

  beforeEach(async () => {
    db = await migratedMemoryDb();
    state = await MatrixState.open(db);
    port = await freePort();
  });

  afterEach(async () => {
    for (const as of running.splice(0)) await as.close();
    await db.close();
  });

  it('answers only after every event was handled, in order, one at a time', async () => {
    const seen: string[] = [];
    const gate = deferred();
    let busy = 0;
    await start(async (e) => {
      assert.equal(busy++, 0, 'events are handled one at a time');
      seen.push(e.event_id);
      if (e.event_id === '$1') await gate.promise;
      busy--;
    });
    let answered = false;
    const res = put('t1', [ev('$1'), ev('$2')]).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(answered, false);
    assert.deepEqual(seen, ['$1']);
    gate.resolve();
    assert.equal((await res).status, 200);
    assert.deepEqual(seen, ['$1', '$2']);
  });

  it('a transaction sent again, even after a restart, is acknowledged without handling it twice', async () => {
    const seen: string[] = [];
    const first = await start((e) => void seen.push(e.event_id));
    assert.equal((await put('t2', [ev('$a')])).status, 200);
    assert.equal((await put('t2', [ev('$a')])).status, 200);
    await first.close();
    running.length = 0;
    port = await freePort(); // a new listener, as after a restart (fetch keeps no stale connection)
    await start((e) => void seen.push(`after restart ${e.event_id}`));
    assert.equal((await put('t2', [ev('$a')])).status, 200);
    assert.deepEqual(seen, ['$a']);
  });

  it('the same id with other events (a homeserver that numbers from 1 again after its restart) is handled', async () => {
    const seen: string[] = [];
    await start((e) => void seen.push(e.event_id));
    assert.equal((await put('1', [ev('$before')])).status, 200);
    assert.equal((await put('1', [ev('$after-restart')])).status, 200);
    assert.equal((await put('1', [ev('$after-restart')])).status, 200);
    assert.deepEqual(seen, ['$before', '$after-restart']);
  });

  it('a failed handler answers 500 and the retried transaction is handled', async () => {
    const seen: string[] = [];
    let fail = true;
    await start((e) => {
      if (fail) {
        fail = false;
        throw new Error('store unavailable');
      }
      seen.push(e.event_id);
    });
    const r1 = await put('t3', [ev('$x')]);
    assert.equal(r1.status, 500);
    assert.equal(((await r1.json()) as { errcode: string }).errcode, 'M_UNKNOWN');
    assert.equal(await state.transactionDone(transactionKey('t3', [ev('$x')])), false);
    assert.equal((await put('t3', [ev('$x')])).status, 200);
    assert.deepEqual(seen, ['$x']);
  });

  it('the same transaction arriving while it is being handled is handled once', async () => {
    let count = 0;
    const gate = deferred();
    await start(async () => {
      count++;
      await gate.promise;
    });
    const a = put('t4', [ev('$y')]);
    await new Promise((r) => setTimeout(r, 30));
    const b = put('t4', [ev('$y')]);
    await new Promise((r) => setTimeout(r, 30));
    gate.resolve();
    assert.deepEqual([(await a).status, (await b).status], [200, 200]);
    assert.equal(count, 1);
  });

  it('answers a transaction no sooner than the spacing after the previous answer, after handling its events; a lone one at once', async () => {
    let nowMs = 1_000_000;
    const waits: number[] = [];
    const seen: string[] = [];
    await start((e) => void seen.push(e.event_id), {
      now: () => nowMs,
      sleep: async (ms) => {
        assert.deepEqual(seen, ['$1', '$2'], 'the events are handled before the wait');
        waits.push(ms);
        nowMs += ms;
      },
    });
    assert.equal((await put('s1', [ev('$1')])).status, 200);
    nowMs += 50;
    assert.equal((await put('s2', [ev('$2')])).status, 200);
    assert.deepEqual(waits, [ANSWER_SPACING_MS - 50]);
    nowMs += ANSWER_SPACING_MS;
    assert.equal((await put('s3', [ev('$3')])).status, 200);
    assert.deepEqual(waits, [ANSWER_SPACING_MS - 50], 'a transaction after a quiet spell is answered at once');
  });

  it('a wrong token is refused with 403 and nothing is handled', async () => {
    let count = 0;
    await start(() => void count++);
    const r = await put('t5', [ev('$z')], 'wrong');
    assert.equal(r.status, 403);
    assert.equal(((await r.json()) as { errcode: string }).errcode, 'M_FORBIDDEN');
    assert.equal(count, 0);
    assert.equal(await state.transactionDone(transactionKey('t5', [ev('$z')])), false);
  });
});
