import type { GroupId } from '../ids/index.js';
import type { BridgeMetrics } from '../observability/index.js';
import type { BridgeStores } from './context.js';

/**
 * The delivery queues' depths as gauges (issue 8), read from the durable queues themselves rather
 * than tracked beside them, so they are right after a restart too. A group whose queue emptied is
 * set to 0, not dropped, so a dashboard sees it drain.
 */
export class QueueDepthGauge {
  private readonly seen = { inbound: new Set<GroupId>(), outbound: new Set<GroupId>() };

  constructor(
    private readonly stores: BridgeStores,
    private readonly metrics: BridgeMetrics,
  ) {}

  async refresh(): Promise<void> {
    this.set('outbound', await this.stores.outbox.depthByGroup());
    this.set('inbound', await this.stores.inbox.depthByGroup());
  }

  private set(direction: 'inbound' | 'outbound', depths: ReadonlyArray<{ groupId: GroupId; n: number }>): void {
    const seen = this.seen[direction];
    const now = new Set(depths.map((d) => d.groupId));
    for (const g of seen) if (!now.has(g)) this.metrics.queueDepth.set({ direction, portal: g }, 0);
    for (const d of depths) {
      this.metrics.queueDepth.set({ direction, portal: d.groupId }, d.n);
      seen.add(d.groupId);
    }
  }
}

/** One message delivered: counted per direction, portal and frontend, with its latency from
 *  being accepted (retries and outages included). */
export function countDelivered(metrics: BridgeMetrics, direction: 'inbound' | 'outbound', portal: GroupId, frontend: string, acceptedAtMs: number, nowMs: number): void {
  metrics.messages.inc({ direction, portal, frontend });
  metrics.deliveryLatency.observe({ direction }, Math.max(0, nowMs - acceptedAtMs) / 1000);
}
