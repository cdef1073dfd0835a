// Step: the configured frontends, each registering itself with the core. Matrix runs unless
// homeserver.enabled is false or the command line says --no-matrix (an IRC-only bridge); IRC runs
// for each network in irc.networks. Adding a frontend is one entry in FRONTENDS.
// Each frontend's module is loaded only when it starts, so a daemon carries only the libraries
// its config runs: matrix-appservice-bridge (with matrix-bot-sdk, express and request) is about
// 25 MB of an IRC-only daemon's resident memory, irc-framework a few MB of a Matrix-only one.
import { join } from 'node:path';
import type { BridgeCore, BridgeLogger } from '../../bridge/index.js';
import type { Config } from '../../config/index.js';
import { asFrontendRoomId, asGroupId, type FrontendId, type FrontendRoomId, type GroupId } from '../../ids/index.js';
import type { ConfiguredChannel, MediaLinks, MediaStore } from '../../irc/index.js';
import type { Database, SecretBox } from '../../store/index.js';

/** How long the bridge waits for a link an IRC user sent before sending it as text. */
const FETCH_LINK_TIMEOUT_MS = 15_000;

export interface FrontendContext {
  readonly config: Config;
  readonly core: BridgeCore;
  readonly db: Database;
  readonly log: BridgeLogger;
  readonly matrix: boolean;
  /** For keys derived from the store's key (media links). */
  readonly secrets: SecretBox;
  /** The folder of store.path: the media endpoint keeps its files under it. */
  readonly stateDir: string;
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
    const { MATRIX_FRONTEND_ID, startMatrix } = await import('../../matrix/index.js');
    const m = await startMatrix({
      config: c.config,
      core: c.core,
      db: c.db,
      portals: { isPortal: async (room) => (await c.core.stores.portals.byRoom(MATRIX_FRONTEND_ID, asFrontendRoomId(room))) !== undefined },
      log: c.log,
      libraryLog: { level: c.config.logging.level, json: c.config.logging.json },
      federate: c.config.homeserver.federate_rooms,
      joinRule: c.config.homeserver.portal_join_rule,
    });
    return { name: 'matrix', description: `matrix (appservice on ${as.bind_address}:${as.port} for ${c.config.homeserver.url})`, stop: () => m.stop() };
  },
};

/** The media endpoint for files shown on IRC, when media.public_url says where it is reached:
 *  signed, expiring links to files kept under STATE/media. The signing key is media.link_key, or
 *  else derived from the store's key file (secrets.key_file), so there is no second secret to
 *  provision; either way links stay valid across restarts. */
export async function startMedia(c: FrontendContext): Promise<{ links: MediaLinks; store: MediaStore; url: string; close(): Promise<void> } | undefined> {
  const m = c.config.media;
  if (!m.public_url) return undefined;
  const { MediaLinks, MediaStore, startMediaServer } = await import('../../irc/index.js');
  const key = m.link_key ? new TextEncoder().encode(m.link_key.reveal()) : c.secrets.deriveKey('irc media links');
  const links = new MediaLinks({ key, baseUrl: m.public_url, ttlMs: m.link_ttl_seconds * 1000 });
  const store = new MediaStore(join(c.stateDir, 'media'), Math.min(m.max_file_bytes, c.config.bridge.max_file_bytes));
  const server = await startMediaServer(links, store, m.listen);
  return { links, store, url: `http://${m.listen.host}:${server.port}`, close: () => server.close() };
}

/** "#CHANNEL=GROUP" items of irc.networks.*.channels (checked by the config schema). */
const configuredChannels = (items: readonly string[]): ConfiguredChannel[] =>
  items.map((item) => {
    const at = item.lastIndexOf('=');
    return { channel: item.slice(0, at), groupId: asGroupId(item.slice(at + 1)) };
  });

/** Links a channel from irc.networks.*.channels. A group the bridge does not know yet (it is made
 *  by admin `create` or `voucher`, possibly after the first start) is a warning, not a failed
 *  start: the mapping applies at the next start, or an admin links it now. */
export async function linkConfigured(c: FrontendContext, network: string, groupId: GroupId, frontend: FrontendId, room: FrontendRoomId): Promise<boolean> {
  if (!(await c.core.stores.portals.get(groupId))) {
    c.log.log('warn', 'irc.config_channel_unknown_group', {
      network,
      channel: room,
      group: groupId,
      fix: `create or join that group, then restart or send \`link ${groupId} ${room}\` to the bot`,
    });
    return false;
  }
  return c.core.stores.portals.link(groupId, frontend, room);
}

/** One IrcFrontend per configured network, each registered with the core. Admins are recognised by
 *  services account (bridge.admins irc:NETWORK/ACCOUNT) or by hostmask (irc.networks.*.admin_hostmasks
 *  and --irc-admin-hostmask). Files from Katzenpost are offered as links when media.public_url is
 *  set, else shown by name and size. */
const irc: FrontendStarter = {
  name: 'irc',
  wanted: (c) => Object.keys(c.config.irc.networks).length > 0,
  async start(c) {
    const { AdminMatcher, IrcFrontend } = await import('../../irc/index.js');
    const started: Array<InstanceType<typeof IrcFrontend>> = [];
    const media = await startMedia(c);
    try {
      for (const [network, net] of Object.entries(c.config.irc.networks)) {
        const f = new IrcFrontend({
          network,
          config: net,
          core: c.core,
          portals: {
            channels: async (id) => (await c.core.stores.portals.list()).flatMap((p) => (p.rooms.get(id) ? [p.rooms.get(id)!] : [])),
            link: (groupId, id, room) => linkConfigured(c, network, groupId, id, room),
          },
          channels: configuredChannels(net.channels),
          admins: AdminMatcher.fromConfig(network, c.config.bridge.admins ?? [], c.ircAdminHostmasks ?? {}),
          confirmDelivery: net.confirm_delivery,
          ...(net.fetch_links ? { fetchLinks: { maxBytes: c.config.bridge.max_file_bytes, timeoutMs: FETCH_LINK_TIMEOUT_MS } } : {}),
          ...(media ? { media: { links: media.links, store: media.store } } : {}),
          log: c.log,
        });
        await c.core.registerFrontend(f);
        await f.start();
        started.push(f);
      }
    } catch (e) {
      await Promise.all(started.map((f) => f.stop()));
      await media?.close();
      throw e;
    }
    const nets = Object.entries(c.config.irc.networks).map(([n, v]) => `${n} ${v.host}:${v.port} as ${v.nick} (${v.puppet_mode})`);
    return {
      name: 'irc',
      description: `irc (${nets.join(', ')}; files ${media ? `as links, served on ${media.url}` : 'by name only: media.public_url is not set'})`,
      stop: async () => {
        await Promise.all(started.map((f) => f.stop()));
        await media?.close();
      },
    };
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

