// The Prometheus metrics that the composition can feed without the layers knowing about metrics
// (observability metrics.ts): reads the engine sends (by wrapping its PigeonholePort), the daemon
// session's state, the portal count and the start time. Message counts, queue depths, delivery
// latency and delivery errors are counted by the bridge core itself (src/bridge/queue-metrics.ts),
// which daemon.ts hands the same metrics.
import type { BridgeCore } from '../../bridge/index.js';
import type { PigeonholePort, ReadOutcome } from '../../groupchat/index.js';
import type { ThinClient } from '../../katzenpost/index.js';
import type { BridgeMetrics, ReadResult, Registry } from '../../observability/index.js';

const RESULT: Record<ReadOutcome['kind'], ReadResult | undefined> = {
  box: 'message',
  tombstone: 'message',
  not_found: 'empty',
  error: 'error',
  // Our own cancellation (the scheduler changed its mind) is not a read result.
  cancelled: undefined,
};

/** The same port, counting each read by how it ended. */
export function meterReads(port: PigeonholePort, m: BridgeMetrics): PigeonholePort {
  const metered: PigeonholePort = Object.create(port) as PigeonholePort;
  metered.readBox = async (cap, index, options) => {
    const r = await port.readBox(cap, index, options);
    const result = RESULT[r.kind];
    if (result) m.readRequests.inc({ result });
    return r;
  };
  return metered;
}

export function meterDaemonSession(client: ThinClient, m: BridgeMetrics): void {
  m.katzenpostConnected.set(client.state === 'connected' ? 1 : 0);
  client.on('state', (s) => m.katzenpostConnected.set(s === 'connected' ? 1 : 0));
}

/** The portal gauge is refreshed at each scrape (the store is async, so a scrape shows the count
 *  as of the previous one; it is also set once at start). */
export async function meterPortals(core: BridgeCore, m: BridgeMetrics, registry: Registry): Promise<void> {
  const refresh = async (): Promise<void> => m.portals.set((await core.stores.portals.list()).length);
  registry.onCollect(() => void refresh().catch(() => undefined));
  await refresh();
}

export function meterStartTime(m: BridgeMetrics, nowMs = Date.now()): void {
  m.startTime.set(Math.floor(nowMs / 1000));
}
