// Every metric katzenbridge exposes, in one place (issue 8: messages per direction and portal,
// queue depths, delivery latency, read requests, errors). Other layers import `metrics` and
// increment; code that wants isolation in tests takes a `BridgeMetrics` argument defaulting to
// `metrics` and is handed `defineMetrics(new Registry())`.
//
// Label values are our own bounded identifiers (portal = GroupId text, frontend = FrontendId,
// codes from our error classes), never user text: every new value is a new time series.
import { Registry } from './registry.js';

/** Bridge words (src/bridge/inbound.ts, outbound.ts): inbound = group -> frontends, outbound = frontend -> group. */
export type Direction = 'inbound' | 'outbound';
/** What a Pigeonhole read came back with. */
export type ReadResult = 'message' | 'empty' | 'error';

/** Mixnet round trips take seconds (emulator demo profile: ~1.5 s) and retries minutes. */
export const DELIVERY_LATENCY_BUCKETS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export function defineMetrics(registry: Registry) {
  return {
    /** +1 per message delivered: outbound once it is written to the group, inbound once per room it reached. */
    messages: registry.counter<'direction' | 'portal' | 'frontend'>({
      name: 'katzenbridge_messages_total',
      help: 'Messages bridged, by direction (inbound: group to frontend; outbound: frontend to group), portal and frontend.',
      labelNames: ['direction', 'portal', 'frontend'],
    }),
    /** Set by the delivery queues (or from the store in a registry.onCollect hook). */
    queueDepth: registry.gauge<'direction' | 'portal'>({
      name: 'katzenbridge_delivery_queue_depth',
      help: 'Messages waiting in a delivery queue, by direction and portal.',
      labelNames: ['direction', 'portal'],
    }),
    /** From the moment the bridge accepted a message to its delivery (retries included). */
    deliveryLatency: registry.histogram<'direction'>({
      name: 'katzenbridge_delivery_latency_seconds',
      help: 'Time from accepting a message to delivering it, retries included, by direction.',
      labelNames: ['direction'],
      buckets: DELIVERY_LATENCY_BUCKETS,
    }),
    /** +1 per Pigeonhole read the group chat engine sends (reads cost mixnet traffic, DESIGN.md §3). */
    readRequests: registry.counter<'result'>({
      name: 'katzenbridge_read_requests_total',
      help: 'Pigeonhole read requests sent by the group chat engine, by result (message, empty, error).',
      labelNames: ['result'],
    }),
    /** +1 per error worth an operator's attention; `code` is the error class's stable code. */
    errors: registry.counter<'component' | 'code'>({
      name: 'katzenbridge_errors_total',
      help: 'Errors by component (bridge, katzenpost, matrix, irc, store, ...) and stable error code.',
      labelNames: ['component', 'code'],
    }),
    /** 1 while the thin-client session to kpclientd (or the emulator) is up. */
    katzenpostConnected: registry.gauge({
      name: 'katzenbridge_katzenpost_connected',
      help: '1 while connected to the Katzenpost client daemon, else 0.',
    }),
    portals: registry.gauge({
      name: 'katzenbridge_portals',
      help: 'Portals (linked groups) the bridge serves.',
    }),
    startTime: registry.gauge({
      name: 'katzenbridge_start_time_seconds',
      help: 'Unix time the process started, in seconds.',
    }),
  };
}

export type BridgeMetrics = ReturnType<typeof defineMetrics>;

/** The process-wide registry the daemon's /metrics serves. */
export const defaultRegistry: Registry = new Registry();
/** The process-wide metrics, registered in `defaultRegistry`. */
export const metrics: BridgeMetrics = defineMetrics(defaultRegistry);
metrics.startTime.set(Math.floor(Date.now() / 1000 - process.uptime()));
