import { strict as assert } from 'node:assert';
import { asBoxCounter, asFrontendEventId, asFrontendRoomId, asFrontendUserId, type GroupId } from '../../src/ids/index.js';
import type { Registry } from '../../src/observability/index.js';
import { memberHex } from '../unit/bridge/fake-group-side.js';
import { Harness } from '../unit/bridge/harness.js';

// The bridge core's metrics (issue 8): messages per direction, portal and frontend, delivery
// latency, errors by code, and queue depths read from the durable queues.

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

describe('bridge core metrics (integration)', () => {
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
