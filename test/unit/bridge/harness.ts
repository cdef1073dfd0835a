import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineMetrics, Registry } from '../../../src/observability/index.js';
import { BridgeCore, type GroupSide, type BridgeLogger, type LogFields, type LogLevel } from '../../../src/bridge/index.js';
import type { Config } from '../../../src/config/index.js';
import { asFrontendRoomId, asGroupId, type GroupId } from '../../../src/ids/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { FakeFrontend, type FakeFrontendOptions } from '../../support/fake-frontend.js';
import { FakeGroupSide } from './fake-group-side.js';

/** A bridge core on a real sqlite file in a temp dir, a fake frontend and a fake group side.
 *  `restart()` makes a new core (and frontend) on the same database file, as after a crash. */

export const ADMIN = '@admin:example.org';

export class CapturingLogger implements BridgeLogger {
  readonly lines: string[] = [];
  log(level: LogLevel, event: string, fields?: LogFields): void {
    this.lines.push(`${level} ${event} ${JSON.stringify(fields ?? {})}`);
  }
}

export interface HarnessOptions {
  readonly joinPolicy?: 'auto' | 'approval';
  readonly frontend?: FakeFrontendOptions;
  readonly maxFileBytes?: number;
  /** bridge.strip_image_metadata (default true, as in the config). */
  readonly stripImageMetadata?: boolean;
  /** The group side the core uses; the fake one by default. */
  readonly groupSide?: GroupSide;
}

export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'kb-bridge-'));
  readonly group = new FakeGroupSide();
  readonly log = new CapturingLogger();
  /** The core's metrics, in a registry of this harness's own. */
  readonly registry = new Registry();
  readonly metrics = defineMetrics(this.registry);
  store!: Store;
  core!: BridgeCore;
  frontend!: FakeFrontend;

  constructor(private readonly o: HarnessOptions = {}) {}

  get config(): Config['bridge'] {
    return { admins: [ADMIN], join_policy: this.o.joinPolicy ?? 'auto', puppet_display_name: '{name} ({network})', strip_image_metadata: this.o.stripImageMetadata ?? true, max_file_bytes: this.o.maxFileBytes ?? 1000 };
  }

  async open(frontend: FakeFrontend = new FakeFrontend(this.o.frontend)): Promise<this> {
    this.store = await openStore({ databasePath: join(this.dir, 'kb.db'), keyFile: join(this.dir, 'secrets.key') });
    this.core = new BridgeCore({
      db: this.store.db,
      secrets: this.store.secrets,
      group: this.o.groupSide ?? this.group,
      config: this.config,
      log: this.log,
      metrics: this.metrics,
      retry: { baseMs: 5, maxMs: 20, noticeAfterAttempts: 3 },
    });
    this.frontend = frontend;
    await this.core.registerFrontend(frontend);
    await this.core.start();
    return this;
  }

  /** Stops the core without waiting (as a crash would), closes the database, opens a new core. */
  async restart(frontend?: FakeFrontend): Promise<void> {
    await this.core.stop();
    await this.store.close();
    await this.open(frontend ?? this.frontend);
  }

  /** A group with a portal linked to `room`. */
  async portal(name = 'g1', room = '!room:x'): Promise<GroupId> {
    const g = asGroupId(name);
    await this.group.createGroup(g);
    await this.core.addPortal(g, name);
    await this.core.stores.portals.link(g, this.frontend.id, asFrontendRoomId(room));
    return g;
  }

  /** Waits until every queue is idle, including retries scheduled with backoff. */
  async settle(ms = 150): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await this.core.idle();
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.core.idle();
  }

  async close(): Promise<void> {
    await this.core.stop();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
