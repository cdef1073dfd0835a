import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { meterDaemonSession, meterReads, meterStartTime } from '../../../src/cli/daemon/metrics-wiring.js';
import type { PigeonholePort, ReadOutcome } from '../../../src/groupchat/index.js';
import type { ThinClient } from '../../../src/katzenpost/index.js';
import { Registry, defineMetrics } from '../../../src/observability/index.js';

// The metrics `katzenbridge run` feeds from the composition: reads by result, the daemon session
// state, the start time.

describe('cli/daemon: metrics wiring', () => {
  it('counts each read the engine sends by how it ended; cancellations are not counted; other calls pass through', async () => {
    const m = defineMetrics(new Registry());
    const outcomes: ReadOutcome[] = [
      { kind: 'box', plaintext: new Uint8Array(1), nextIndex: new Uint8Array(1) },
      { kind: 'tombstone', nextIndex: new Uint8Array(1) },
      { kind: 'not_found' },
      { kind: 'not_found' },
      { kind: 'error', code: 3, detail: 'x' },
      { kind: 'cancelled' },
    ];
    let i = 0;
    const port = { maxPlaintextBytes: () => 1549, readBox: async () => outcomes[i++]! } as unknown as PigeonholePort;
    const metered = meterReads(port, m);
    for (const want of outcomes) assert.equal(await metered.readBox(new Uint8Array(1), new Uint8Array(1), { blocking: false }), want);
    assert.equal(metered.maxPlaintextBytes(), 1549);
    assert.deepEqual(
      ['message', 'empty', 'error'].map((result) => m.readRequests.get({ result: result as 'message' })),
      [2, 2, 1],
    );
  });

  it('follows the daemon session: 1 while connected, 0 otherwise; the start time in seconds', () => {
    const m = defineMetrics(new Registry());
    const client = Object.assign(new EventEmitter(), { state: 'connected' }) as unknown as ThinClient;
    meterDaemonSession(client, m);
    assert.equal(m.katzenpostConnected.get(), 1);
    client.emit('state', 'reconnecting');
    assert.equal(m.katzenpostConnected.get(), 0);
    client.emit('state', 'connected');
    assert.equal(m.katzenpostConnected.get(), 1);
    meterStartTime(m, 1_700_000_000_999);
    assert.equal(m.startTime.get(), 1_700_000_000);
  });
});
