// Step: the configured frontends, each registering itself with the core. Matrix runs unless the
// command line says --no-matrix (an IRC-only bridge); IRC runs for each network in irc.networks.
// Adding a frontend is one entry in FRONTENDS.
import type { BridgeCore, BridgeLogger } from '../../bridge/index.js';
import type { Config } from '../../config/index.js';
import { asFrontendRoomId } from '../../ids/index.js';
import { MATRIX_FRONTEND_ID, startMatrix } from '../../matrix/index.js';
import type { Database } from '../../store/index.js';

export interface FrontendContext {
  readonly config: Config;
  readonly core: BridgeCore;
  readonly db: Database;
  readonly log: BridgeLogger;
  readonly matrix: boolean;
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
    });
    return { name: 'matrix', description: `matrix (appservice on ${as.bind_address}:${as.port} for ${c.config.homeserver.url})`, stop: () => m.stop() };
  },
};

/** The frontend the IRC engineer is writing (issue 7). SEAM: replace the body with src/irc's start
 *  function once src/irc/index.ts exports one; until then a config naming IRC networks is refused
 *  rather than silently ignored. */
const irc: FrontendStarter = {
  name: 'irc',
  wanted: (c) => Object.keys(c.config.irc.networks).length > 0,
  start: async () => {
    throw new FrontendUnavailableError('irc.networks', 'the IRC frontend is not in this build yet; remove irc.networks or update katzenbridge');
  },
};

export const FRONTENDS: readonly FrontendStarter[] = [matrix, irc];

export class FrontendUnavailableError extends Error {
  override readonly name = 'FrontendUnavailableError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
  }
}

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

