// The bridge core (real sqlite, fake group side) with the real IRC frontend against a real
// InspIRCd, and the media endpoint on a loopback port: what the IRC integration tests and the
// IRC benchmark share.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgeCore } from '../../src/bridge/index.js';
import type { Config, IrcNetworkConfig } from '../../src/config/index.js';
import { asBoxCounter, asFrontendRoomId, asGroupId, type FrontendRoomId, type GroupId, type MemberId } from '../../src/ids/index.js';
import { AdminMatcher, IrcFrontend, MediaLinks, MediaStore, SYSTEM_CLOCK, mediaHandler, type Clock } from '../../src/irc/index.js';
import { Registry } from '../../src/observability/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { FakeGroupSide } from '../unit/bridge/fake-group-side.js';

export const NETWORK = 'test';
export const ADMIN_IDENTITY = 'irc:test/admin';

/** The system clock, except that long timers (reconnect backoff) can be held back while the
 *  test arranges the world, then released: no timing luck in the server-restart test. */
export class HoldableClock implements Clock {
  held = false;
  private deferred: Array<() => void> = [];
  now = (): number => Date.now();
  setTimeout = (fn: () => void, ms: number): unknown => {
    if (this.held && ms >= 500) {
      const box = { cancelled: false };
      this.deferred.push(() => {
        if (!box.cancelled) SYSTEM_CLOCK.setTimeout(fn, 0);
      });
      return box;
    }
    return SYSTEM_CLOCK.setTimeout(fn, ms);
  };
  clearTimeout = (h: unknown): void => {
    if (h && typeof h === 'object' && 'cancelled' in h) (h as { cancelled: boolean }).cancelled = true;
    else SYSTEM_CLOCK.clearTimeout(h);
  };
  release(): void {
    this.held = false;
    for (const f of this.deferred.splice(0)) f();
  }
}

export interface IrcBridgeOptions {
  readonly server: { host: string; port: number };
  readonly puppetMode?: 'puppets' | 'relay';
  readonly maxConnections?: number;
  readonly flood?: { burst_lines: number; interval_ms: number };
  readonly joinPolicy?: 'auto' | 'approval';
  readonly maxLines?: number;
  readonly linkTtlMs?: number;
  readonly confirmDelivery?: boolean;
  readonly channels?: ReadonlyArray<{ channel: string; groupId: GroupId }>;
  readonly fetchLinks?: boolean;
}

export class IrcBridge {
  readonly dir = mkdtempSync(join(tmpdir(), 'kb-irc-'));
  readonly group = new FakeGroupSide();
  readonly clock = new HoldableClock();
  readonly registry = new Registry();
  /** Added to the media links' clock, to expire links without waiting. */
  linkClockSkewMs = 0;
  store!: Store;
  core!: BridgeCore;
  frontend!: IrcFrontend;
  links!: MediaLinks;
  mediaStore!: MediaStore;
  mediaBase = '';
  private closeMedia: (() => Promise<void>) | undefined;

  constructor(private readonly o: IrcBridgeOptions) {}

  get net(): IrcNetworkConfig {
    return {
      host: this.o.server.host,
      port: this.o.server.port,
      tls: false,
      sasl: false,
      nick: 'kbbot',
      puppet_mode: this.o.puppetMode ?? 'puppets',
      max_connections: this.o.maxConnections ?? 10,
      flood: this.o.flood ?? { burst_lines: 20, interval_ms: 50 },
    } as IrcNetworkConfig;
  }

  async open(): Promise<this> {
    this.store = await openStore({ databasePath: join(this.dir, 'kb.db'), keyFile: join(this.dir, 'secrets.key') });
    const bridgeConfig: Config['bridge'] = { admins: [ADMIN_IDENTITY], join_policy: this.o.joinPolicy ?? 'auto', puppet_display_name: '{name} ({network})', strip_image_metadata: true, max_file_bytes: 1 << 20 };
    this.core = new BridgeCore({ db: this.store.db, secrets: this.store.secrets, group: this.group, config: bridgeConfig, retry: { baseMs: 50, maxMs: 300, noticeAfterAttempts: 1000 } });
    const mediaStore = new MediaStore(join(this.dir, 'media'), 256 * 1024);
    this.mediaStore = mediaStore;
    // The links need the server's port, and the handler needs the links: listen first.
    let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    const server = createServer((req, res) => handler?.(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    this.closeMedia = () => new Promise<void>((r) => server.close(() => r()));
    this.mediaBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/media`;
    this.links = new MediaLinks({ key: new Uint8Array(32).fill(9), baseUrl: this.mediaBase, ttlMs: this.o.linkTtlMs ?? 60_000, now: () => Date.now() + this.linkClockSkewMs });
    handler = mediaHandler(this.links, mediaStore);
    const core = this.core;
    this.frontend = new IrcFrontend({
      network: NETWORK,
      config: this.net,
      core,
      portals: {
        channels: async (f) => (await core.stores.portals.list()).flatMap((p) => (p.rooms.get(f) ? [p.rooms.get(f)!] : [])),
        link: (g, f, room) => core.stores.portals.link(g, f, room),
      },
      ...(this.o.channels ? { channels: this.o.channels } : {}),
      ...(this.o.fetchLinks ? { fetchLinks: { maxBytes: 64 * 1024, timeoutMs: 5000, allowPrivateAddresses: true } } : {}),
      admins: new AdminMatcher([{ identity: ADMIN_IDENTITY, hostmasks: ['admin!*@127.0.0.1'] }]),
      media: { links: this.links, store: mediaStore },
      maxLines: this.o.maxLines ?? 6,
      backoff: { baseMs: 200, maxMs: 1000 },
      clock: this.clock,
      registry: this.registry,
      ...(this.o.confirmDelivery === false ? { confirmDelivery: false } : {}),
    });
    await this.core.registerFrontend(this.frontend);
    await this.core.start();
    return this;
  }

  /** A group whose portal is `channel` on this network; the bot joins it. */
  async portal(name: string, channel: string): Promise<{ groupId: GroupId; room: FrontendRoomId }> {
    const groupId = asGroupId(name);
    await this.group.createGroup(groupId);
    await this.core.addPortal(groupId, name);
    const room = asFrontendRoomId(channel);
    await this.core.stores.portals.link(groupId, this.frontend.id, room);
    return { groupId, room };
  }

  async startIrc(): Promise<void> {
    await this.frontend.start();
    const until = Date.now() + 15_000;
    while (this.frontend.bot.state !== 'registered') {
      if (Date.now() > until) throw new Error('the bridge bot did not register');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  text(groupId: GroupId, member: MemberId, counter: number, displayName: string, text: string, emote = false): Promise<void> {
    return this.core.groupEvent({ type: 'text', groupId, member, counter: asBoxCounter(String(counter)), displayName, text, ...(emote ? { emote } : {}) });
  }

  async close(): Promise<void> {
    this.clock.release();
    await this.frontend.stop();
    await this.core.stop();
    await this.store.close();
    await this.closeMedia?.();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
