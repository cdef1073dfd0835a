// What request handlers may use: the pieces of the emulated daemon and network, nothing more
// (STYLE.md anti-pattern 2: no passing the whole emulator around).
import type { Courier } from './pki.js';
import type { CourierService } from './courier.js';
import type { EnvelopeCodec } from './envelope.js';
import type { Geometry } from './geometry.js';
import type { Mixnet } from './mixnet.js';
import type { EmulatorOptions } from './options.js';
import type { Replicas } from './replica.js';

export interface DaemonContext {
  readonly options: EmulatorOptions;
  readonly geometry: Geometry;
  readonly replicas: Replicas;
  readonly envelopes: EnvelopeCodec;
  /** The courier in the current PKI document; the daemon picks it for new requests (§2.4). */
  courier(): Courier;
  /** Resolves while `courier` is in consensus; a request pinned to a departed one never completes
   *  (the daemon retries the same courier for ever, §3.6), so this waits until `signal` aborts. */
  courierReachable(courier: Courier, signal: AbortSignal): Promise<void>;
  readonly mixnet: Mixnet;
  readonly courierService: CourierService;
  /** The current PKI epoch (§1.5). */
  pkiEpoch(): number;
  /** The stripped PKI document for an epoch the daemon has cached, else undefined. */
  pkiDocument(epoch: number): Uint8Array | undefined;
}

export type Reply = readonly [key: import('./wire.js').ResponseKey, body: Record<string, unknown>];
