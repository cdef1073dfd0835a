import { strict as assert } from 'node:assert';
import { asBoxCounter, asFrontendEventId, asFrontendRoomId, asFrontendUserId, type GroupId } from '../../../src/ids/index.js';
import type { Registry } from '../../../src/observability/index.js';
import { FakeFrontend } from '../../support/fake-frontend.js';
import { memberHex } from './fake-group-side.js';
import { Harness } from './harness.js';

// The bridge core's metrics (issue 8): messages per direction, portal and frontend, delivery
// latency, errors by code, and queue depths read from the durable queues. The harness hands the
// core a registry of its own, so these counts start at zero in every test.

const ROOM = '!room:x';

/** A sample's value from the exposition, matching every given label (in any order). */
function sample(registry: Registry, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of registry.expose().split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** Every label set a metric has in the exposition. */
function labelSets(registry: Registry, name: string): Array<Record<string, string>> {
  return registry
    .expose()
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => Object.fromEntries([...l.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!])));
}

describe('bridge core metrics', () => {
  let h: Harness;
  let g: GroupId;
  afterEach(() => h.close());

  const fromGroup = (i: number, text: string) =>
    h.core.groupEvent({ type: 'text', groupId: g, member: memberHex(1), counter: asBoxCounter(String(i)), displayName: 'alice', text });
  const fromUser = (i: number, text: string, user = '@bob:x') =>
    h.core.userMessage({
      frontend: h.frontend.id,
      room: asFrontendRoomId(ROOM),
      eventId: asFrontendEventId(`$${user}${i}`),
      sender: { userId: asFrontendUserId(user), displayName: user.slice(1, 4) },
      message: { kind: 'text', text },
    });

  it('counts delivered messages per direction, portal and frontend, with their latency; notices are not messages', async () => {
    h = await new Harness().open();
    g = await h.portal('g1', ROOM);
    for (let i = 0; i < 3; i++) await fromGroup(i, `in ${i}`);
    for (let i = 0; i < 2; i++) await fromUser(i, `out ${i}`);
    await h.core.groupEvent({ type: 'member_added', groupId: g, member: memberHex(2), displayName: 'carol' });
    await h.settle();
    assert.ok(h.frontend.texts(ROOM).includes('carol joined the group.'), 'the notice was shown');
    const fe = h.frontend.id;
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'inbound', portal: 'g1', frontend: fe }), 3);
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'outbound', portal: 'g1', frontend: fe }), 2);
    assert.equal(sample(h.registry, 'katzenbridge_delivery_latency_seconds_count', { direction: 'inbound' }), 3);
    assert.equal(sample(h.registry, 'katzenbridge_delivery_latency_seconds_count', { direction: 'outbound' }), 2);
    // Labels are our identifiers only: no message text, no user id or display name.
    for (const labels of labelSets(h.registry, 'katzenbridge_messages_total')) {
      assert.deepEqual(Object.keys(labels).sort(), ['direction', 'frontend', 'portal']);
      assert.ok(!Object.values(labels).some((v) => /in \d|out \d|bob|alice|carol/.test(v)), JSON.stringify(labels));
    }
  });

  it('counts each inbound message once per room it reached', async () => {
    h = await new Harness().open();
    g = await h.portal('g1', ROOM);
    const irc = new FakeFrontend({ id: 'irc:test' });
    await h.core.registerFrontend(irc);
    await h.core.stores.portals.link(g, irc.id, asFrontendRoomId('#chan'));
    await fromGroup(0, 'to both rooms');
    await h.settle();
    assert.deepEqual(irc.texts('#chan'), ['to both rooms']);
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'inbound', portal: 'g1', frontend: h.frontend.id }), 1);
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'inbound', portal: 'g1', frontend: 'irc:test' }), 1);
    assert.equal(sample(h.registry, 'katzenbridge_delivery_latency_seconds_count', { direction: 'inbound' }), 2);
  });

  it('counts an outbound failure by its DeliveryError code, retries included in the latency', async () => {
    h = await new Harness().open();
    g = await h.portal('g1', ROOM);
    h.group.failNext(2, true); // group_unavailable twice, then written
    const t0 = Date.now();
    await fromUser(1, 'after two tries');
    await h.settle();
    const elapsedS = (Date.now() - t0) / 1000;
    assert.equal(sample(h.registry, 'katzenbridge_errors_total', { component: 'bridge', code: 'group_unavailable' }), 2);
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'outbound', portal: 'g1' }), 1);
    // Backoff waits 5 then 10 ms (the harness's retry policy) before the third try succeeds, and
    // latency counts from acceptance, so it is at least their sum.
    const sum = sample(h.registry, 'katzenbridge_delivery_latency_seconds_sum', { direction: 'outbound' }) ?? 0;
    assert.ok(sum >= 0.015 && sum <= elapsedS, `latency ${sum} s`);

    h.group.failNext(1, false); // group_rejected: final
    await fromUser(2, 'refused');
    await h.settle();
    assert.equal(sample(h.registry, 'katzenbridge_errors_total', { component: 'bridge', code: 'group_rejected' }), 1);
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'outbound', portal: 'g1' }), 1, 'a failed message is not counted');
  });

  it('counts a frontend that refuses a message (final) as frontend_rejected and not as delivered', async () => {
    h = await new Harness().open();
    g = await h.portal('g1', ROOM);
    h.frontend.failNext(1, false);
    await fromGroup(0, 'refused');
    await fromGroup(1, 'shown');
    await h.settle();
    assert.equal(sample(h.registry, 'katzenbridge_errors_total', { component: 'bridge', code: 'frontend_rejected' }), 1);
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'inbound', portal: 'g1' }), 1);
  });

  it('counts a failed notice about a failed message as a second frontend error', async () => {
    h = await new Harness().open();
    g = await h.portal('g1', ROOM);
    h.frontend.failNext(2, false); // the message, then the notice saying it failed
    await fromGroup(0, 'refused');
    await h.settle();
    assert.equal(sample(h.registry, 'katzenbridge_errors_total', { component: 'bridge', code: 'frontend_rejected' }), 2);
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'inbound', portal: 'g1' }), undefined);
  });

  it('counts failed attempts by code and shows the waiting messages as queue depth until they drain', async () => {
    h = await new Harness().open();
    g = await h.portal('g1', ROOM);
    h.frontend.down = true;
    for (let i = 0; i < 5; i++) await fromGroup(i, `d${i}`);
    await h.settle(100);
    await h.core.refreshQueueDepths();
    assert.equal(sample(h.registry, 'katzenbridge_delivery_queue_depth', { direction: 'inbound', portal: 'g1' }), 5);
    assert.ok((sample(h.registry, 'katzenbridge_errors_total', { component: 'bridge', code: 'frontend_unavailable' }) ?? 0) >= 1);
    h.frontend.down = false;
    await h.settle(150);
    await h.core.refreshQueueDepths();
    assert.equal(sample(h.registry, 'katzenbridge_delivery_queue_depth', { direction: 'inbound', portal: 'g1' }), 0, 'drained: 0, not gone');
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'inbound', portal: 'g1' }), 5);
  });

  it('counts messages held for an admin’s approval in the outbound queue depth', async () => {
    h = await new Harness({ joinPolicy: 'approval' }).open();
    g = await h.portal('g1', ROOM);
    await fromUser(1, 'may I?', '@newcomer:x');
    await fromUser(2, 'hello?', '@newcomer:x');
    await h.settle();
    await h.core.refreshQueueDepths();
    assert.equal(sample(h.registry, 'katzenbridge_delivery_queue_depth', { direction: 'outbound', portal: 'g1' }), 2);
    assert.equal(sample(h.registry, 'katzenbridge_messages_total', { direction: 'outbound', portal: 'g1' }), undefined);
  });
});
