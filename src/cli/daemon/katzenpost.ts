// Step: reach kpclientd. For `katzenpost.daemon: embedded-emulator` the emulator runs in this
// process on a private unix socket under the state folder (DESIGN.md §2 "Embedded default"), so
// other local members (`katzenbridge peer --daemon unix:...`) can share it; otherwise the thin
// client dials the configured daemon. Either way the bridge speaks the same socket protocol.
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config/index.js';
import { ThinClient } from '../../katzenpost/index.js';
import { DEMO_OPTIONS, Emulator, FAST_OPTIONS } from '../../katzenpost/emulator/index.js';
import { pigeonholePort, type PigeonholePort } from '../../groupchat/index.js';
import type { BridgeLogger } from '../../bridge/index.js';

/** The socket file of the embedded emulator, inside the state folder. */
export const EMBEDDED_SOCKET = 'kpclientd.sock';
export type EmulatorProfile = 'demo' | 'fast';

export interface KatzenpostLink {
  readonly client: ThinClient;
  readonly port: PigeonholePort;
  /** For the summary line: "embedded emulator at unix:/…" or the daemon's address. */
  readonly description: string;
  /** thin_close, then the embedded emulator (if any). */
  close(): Promise<void>;
}

export interface KatzenpostStepOptions {
  readonly config: Config['katzenpost'];
  /** Where the embedded emulator keeps its boxes and socket. */
  readonly stateDir: string;
  readonly emulatorProfile: EmulatorProfile;
  readonly log: BridgeLogger;
}

export async function connectKatzenpost(o: KatzenpostStepOptions): Promise<KatzenpostLink> {
  const d = o.config.daemon;
  let emulator: Emulator | undefined;
  let address: string;
  if (d.kind === 'embedded-emulator') {
    const dir = join(o.stateDir, 'emulator');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const socket = join(o.stateDir, EMBEDDED_SOCKET);
    // A socket file left by a killed run would make listen() fail with EADDRINUSE.
    await rm(socket, { force: true });
    emulator = await Emulator.start({
      dataDir: dir,
      options: o.emulatorProfile === 'fast' ? FAST_OPTIONS : DEMO_OPTIONS,
      log: (m) => o.log.log('debug', 'emulator.log', { message: m }),
    });
    address = `unix:${await emulator.listen(socket)}`;
  } else {
    address = d.kind === 'unix' ? `unix:${d.path}` : `${d.host}:${d.port}`;
  }
  const client = new ThinClient({ address });
  try {
    await client.connect();
  } catch (e) {
    await emulator?.close();
    throw e;
  }
  client.on('state', (s) => o.log.log(s === 'reconnecting' ? 'warn' : 'info', 'katzenpost.state', { state: s }));
  return {
    client,
    port: pigeonholePort(client),
    description: emulator ? `embedded emulator (${o.emulatorProfile}) at ${address}` : `kpclientd at ${address}`,
    async close() {
      await client.close();
      await emulator?.close();
    },
  };
}
