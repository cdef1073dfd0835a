import type { FrontendId } from '../ids/index.js';
import type { BridgeMetrics } from '../observability/index.js';
import type { DeliveryQueues, RetryPolicy } from './delivery-queue.js';
import type { Frontend } from './frontend.js';
import type { GhostStore } from './ghost.js';
import type { InboxStore } from './inbox.js';
import type { JoinRequestStore } from './join-request.js';
import type { BridgeLogger } from './logger.js';
import type { OutboxStore } from './outbox.js';
import type { PortalStore } from './portal.js';
import type { PuppetStore } from './puppet.js';

/** The stores of the bridge core, one per concept (each file wraps its rows). */
export interface BridgeStores {
  readonly portals: PortalStore;
  readonly ghosts: GhostStore;
  readonly puppets: PuppetStore;
  readonly joins: JoinRequestStore;
  readonly outbox: OutboxStore;
  readonly inbox: InboxStore;
}

/** What every pipeline needs besides the stores. */
export interface Runtime {
  readonly frontends: ReadonlyMap<FrontendId, Frontend>;
  readonly queues: DeliveryQueues;
  readonly retry: RetryPolicy;
  readonly now: () => number;
  readonly log: BridgeLogger;
  /** Messages, latency and errors (issue 8); the daemon's, or a private registry's in tests. */
  readonly metrics: BridgeMetrics;
}
