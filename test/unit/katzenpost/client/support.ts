// Shared setup for the thin-client tests against the scripted fake daemon.
import { FakeDaemon, type FakeDaemonOptions, fill } from '../../../support/fake-daemon.js';
import { ThinClient, type ThinClientOptions } from '../../../../src/katzenpost/client/index.js';
import type { EncryptedMessage } from '../../../../src/katzenpost/client/index.js';

export const WC = fill(168, 1);
export const RC = fill(136, 2);
export const MBI = fill(104, 3);

export function message(i: number): EncryptedMessage {
  const h = new Uint8Array(32).fill(i & 0xff);
  h[31] = 0xee;
  return { messageCiphertext: fill(2000, 4), envelopeDescriptor: fill(40, 5), envelopeHash: h, nextMessageBoxIndex: MBI };
}

export async function setup(
  daemonOptions: FakeDaemonOptions = {}, clientOptions: Partial<ThinClientOptions> = {},
): Promise<{ daemon: FakeDaemon; client: ThinClient; done: () => Promise<void> }> {
  const daemon = await FakeDaemon.start(daemonOptions);
  const client = new ThinClient({ address: daemon.address, reconnectInitialMs: 10, reconnectMaxMs: 40, ...clientOptions });
  await client.connect();
  return {
    daemon, client,
    done: async () => {
      await client.close();
      await daemon.close();
    },
  };
}

/** Resolves with the settled state of a promise without awaiting it forever. */
export function track<T>(p: Promise<T>): { settled: () => boolean; value: () => T | undefined; error: () => unknown } {
  let settled = false;
  let value: T | undefined;
  let error: unknown;
  p.then((v) => { settled = true; value = v; }, (e) => { settled = true; error = e; });
  return { settled: () => settled, value: () => value, error: () => error };
}

export const tick = (ms = 10): Promise<void> => new Promise((r) => setTimeout(r, ms));
