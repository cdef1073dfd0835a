// Step: the configured frontends, each registering itself with the core. Matrix runs unless the
// command line says --no-matrix (an IRC-only bridge); IRC runs for each network in irc.networks.
// Adding a frontend is one entry in FRONTENDS.
import type { BridgeCore, BridgeLogger } from '../../bridge/index.js';
import type { Config } from '../../config/index.js';
import { asFrontendRoomId } from '../../ids/index.js';
import { AdminMatcher, IrcFrontend } from '../../irc/index.js';
import { MATRIX_FRONTEND_ID, startMatrix } from '../../matrix/index.js';
import type { Database } from '../../store/index.js';

export interface FrontendContext {
  readonly config: Config;
  readonly core: BridgeCore;
  readonly db: Database;
  readonly log: BridgeLogger;
  readonly matrix: boolean;
  /** irc:NETWORK/NAME -> nick!user@host patterns that identify that admin on IRC. */
  readonly ircAdminHostmasks?: Readonly<Record<string, readonly string[]>>;
}

export interface RunningFrontend {
  readonly name: string;
  /** For the summary line, e.g. "matrix (appservice on 127.0.0.1:29340)". */
  readonly description: string;
  stop(): Promise<void>;
}

interface FrontendStarter {
  readonly name: string;
  wanted(c: FrontendContext): boolean;
  start(c: FrontendContext): Promise<RunningFrontend>;
}

const matrix: FrontendStarter = {
  name: 'matrix',
  wanted: (c) => c.matrix,
  async start(c) {
    const as = c.config.homeserver.appservice;
    const m = await startMatrix({
      config: c.config,
      core: c.core,
      db: c.db,
      portals: { isPortal: async (room) => (await c.core.stores.portals.byRoom(MATRIX_FRONTEND_ID, asFrontendRoomId(room))) !== undefined },
      log: c.log,
      libraryLog: { level: c.config.logging.level, json: c.config.logging.json },
    });
    return { name: 'matrix', description: `matrix (appservice on ${as.bind_address}:${as.port} for ${c.config.homeserver.url})`, stop: () => m.stop() };
  },
};

/** One IrcFrontend per configured network, each registered with the core. Admins are recognised by
 *  services account (bridge.admins irc:NETWORK/ACCOUNT) or by the hostmasks given on the command
 *  line (--irc-admin-hostmask), since the config has no hostmask key yet. Files from Katzenpost are
 *  shown by name only until the media endpoint is composed (config media.* has no listen key yet). */
const irc: FrontendStarter = {
  name: 'irc',
  wanted: (c) => Object.keys(c.config.irc.networks).length > 0,
  async start(c) {
    const started: IrcFrontend[] = [];
    try {
      for (const [network, net] of Object.entries(c.config.irc.networks)) {
        const f = new IrcFrontend({
          network,
          config: net,
          core: c.core,
          portals: {
            channels: async (id) => (await c.core.stores.portals.list()).flatMap((p) => (p.rooms.get(id) ? [p.rooms.get(id)!] : [])),
            link: (groupId, id, room) => c.core.stores.portals.link(groupId, id, room),
          },
          admins: AdminMatcher.fromConfig(network, c.config.bridge.admins ?? [], c.ircAdminHostmasks ?? {}),
          log: c.log,
        });
        await c.core.registerFrontend(f);
        await f.start();
        started.push(f);
      }
    } catch (e) {
      await Promise.all(started.map((f) => f.stop()));
      throw e;
    }
    const nets = Object.entries(c.config.irc.networks).map(([n, v]) => `${n} ${v.host}:${v.port} as ${v.nick} (${v.puppet_mode})`);
    return { name: 'irc', description: `irc (${nets.join(', ')})`, stop: async () => void (await Promise.all(started.map((f) => f.stop()))) };
  },
};

export const FRONTENDS: readonly FrontendStarter[] = [matrix, irc];

/** Starts the wanted frontends in order; on a failure stops those already started and rethrows. */
export async function startFrontends(c: FrontendContext, starters: readonly FrontendStarter[] = FRONTENDS): Promise<RunningFrontend[]> {
  const running: RunningFrontend[] = [];
  try {
    for (const s of starters) if (s.wanted(c)) running.push(await s.start(c));
  } catch (e) {
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    throw e;
  }
  return running;
}

