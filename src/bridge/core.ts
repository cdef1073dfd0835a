import { createHash } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { FrontendEventId, FrontendId, FrontendRoomId, FrontendUserId, GroupId } from '../ids/index.js';
import { defineMetrics, Registry, type BridgeMetrics } from '../observability/index.js';
import type { Database, SecretBox } from '../store/index.js';
import { ALL_COMMANDS, CommandRegistry, type CommandServices } from './commands/index.js';
import type { BridgeStores, Runtime } from './context.js';
import { DEFAULT_RETRY, DeliveryQueues, type RetryPolicy } from './delivery-queue.js';
import { renderPuppetName } from './display-names.js';
import type { BridgeCoreApi, CommandCaller, CommandReply, Frontend, FrontendUser, UserMessage, UserReaction } from './frontend.js';
import { reactionFallback } from './fallbacks.js';
import { GhostStore } from './ghost.js';
import type { GroupInbound, GroupSide } from './group-side.js';
import { InboundPipeline } from './inbound.js';
import { InboxStore } from './inbox.js';
import { JoinFlow } from './join-flow.js';
import { JoinRequestStore } from './join-request.js';
import { silentLogger, type BridgeLogger } from './logger.js';
import { joinFailedNotice, memberNotice, redactionNotice } from './notices.js';
import { OutboundPipeline } from './outbound.js';
import { OutboxStore } from './outbox.js';
import { PortalStore, type Portal } from './portal.js';
import { PuppetStore } from './puppet.js';
import { QueueDepthGauge } from './queue-metrics.js';

/**
 * The bridge core (DESIGN.md §4): composes the stores, the two delivery pipelines, the join flow
 * and the admin commands, between frontends (BridgeCoreApi) and the group side (GroupSide plus
 * `groupEvent`). It holds no state of its own beyond sqlite, so a new core on the same database
 * carries on where the last one stopped.
 */

export interface BridgeCoreOptions {
  /** A migrated database (store/openStore) and its SecretBox. */
  readonly db: Database;
  readonly secrets: SecretBox;
  readonly group: GroupSide;
  readonly config: Config['bridge'];
  readonly log?: BridgeLogger;
  readonly now?: () => number;
  readonly retry?: RetryPolicy;
  /** Where to count messages, latency, errors and queue depths; a private registry's by default. */
  readonly metrics?: BridgeMetrics;
}

/** How often the queue-depth gauges are read from the store. */
const QUEUE_DEPTH_REFRESH_MS = 5_000;

export class BridgeCore implements BridgeCoreApi {
  readonly stores: BridgeStores;
  private readonly frontends = new Map<FrontendId, Frontend>();
  private readonly rt: Runtime;
  private readonly inbound: InboundPipeline;
  private readonly outbound: OutboundPipeline;
  private readonly joins: JoinFlow;
  private readonly commands: CommandRegistry;
  private readonly services: CommandServices;
  private readonly depths: QueueDepthGauge;
  private depthTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: BridgeCoreOptions) {
    const log = o.log ?? silentLogger;
    this.stores = {
      portals: new PortalStore(o.db),
      ghosts: new GhostStore(o.db),
      puppets: new PuppetStore(o.db, o.secrets),
      joins: new JoinRequestStore(o.db, o.secrets),
      outbox: new OutboxStore(o.db),
      inbox: new InboxStore(o.db),
    };
    this.rt = {
      frontends: this.frontends,
      queues: new DeliveryQueues((key, e) => log.log('error', 'queue.drain_failed', { queue: key, error: e instanceof Error ? e.message : String(e) })),
      retry: o.retry ?? DEFAULT_RETRY,
      now: o.now ?? Date.now,
      log,
      metrics: o.metrics ?? defineMetrics(new Registry()),
    };
    this.depths = new QueueDepthGauge(this.stores, this.rt.metrics);
    this.inbound = new InboundPipeline(this.stores, this.rt);
    // Outbound files join requests and JoinFlow activates puppets through outbound: the closure
    // breaks the cycle without handing either the other whole.
    this.outbound = new OutboundPipeline(this.stores, this.rt, o.group, this.inbound, o.config, (g, f, u, n) => this.joins.fromFrontend(g, f, u, n));
    this.joins = new JoinFlow(this.stores, this.rt, o.group, this.inbound, this.outbound);
    this.commands = new CommandRegistry(ALL_COMMANDS, log);
    this.services = {
      stores: this.stores,
      joins: this.joins,
      group: o.group,
      frontends: this.frontends,
      config: o.config,
      now: this.rt.now,
      addPortal: (g, name) => this.addPortal(g, name),
      commandList: () => this.commands.commands,
    };
  }

  /** Registers a frontend and resumes its rooms' queues. Call before `start` or any time after. */
  async registerFrontend(f: Frontend): Promise<void> {
    if (this.frontends.has(f.id)) throw new RangeError(`frontend: ${f.id} is already registered`);
    this.frontends.set(f.id, f);
    for (const r of await this.stores.inbox.pendingRooms()) if (r.frontend === f.id) this.inbound.kick(r.frontend, r.room);
  }

  /** Resumes every queue with work left from before a restart. */
  async start(): Promise<void> {
    for (const g of await this.stores.outbox.groupsWithQueued()) this.outbound.kick(g);
    for (const r of await this.stores.inbox.pendingRooms()) this.inbound.kick(r.frontend, r.room);
    await this.refreshQueueDepths();
    this.depthTimer = setInterval(() => void this.refreshQueueDepths(), QUEUE_DEPTH_REFRESH_MS).unref();
  }

  /** Reads the queue depths into their gauges (every few seconds while running). */
  async refreshQueueDepths(): Promise<void> {
    await this.depths.refresh().catch((e: unknown) => this.rt.log.log('warn', 'metrics.queue_depth_failed', { error: e instanceof Error ? e.name : 'error' }));
  }

  /** Lets in-flight deliveries finish, then stops (DESIGN.md §5 clean shutdown). */
  stop(): Promise<void> {
    if (this.depthTimer) clearInterval(this.depthTimer);
    this.depthTimer = undefined;
    return this.rt.queues.stop();
  }

  /** Resolves when no queue is draining (tests; shutdown). */
  idle(): Promise<void> {
    return this.rt.queues.idle();
  }

  async addPortal(groupId: GroupId, name: string): Promise<Portal> {
    return this.stores.portals.create(groupId, name, this.o.config.join_policy, this.rt.now());
  }

  // ---- from the group side --------------------------------------------------------------------

  /** One group event. Resolves once its effect is durable; the engine moves its cursor after. */
  async groupEvent(e: GroupInbound): Promise<void> {
    switch (e.type) {
      case 'text':
      case 'file':
        return this.inbound.record(e);
      case 'member_added': {
        const portal = await this.stores.portals.get(e.groupId);
        if (!portal) return;
        const ghost = await this.inbound.ghostFor(e.groupId, e.member, e.displayName);
        return this.inbound.notice(e.groupId, `member:${e.member}`, memberNotice(ghost.shownName));
      }
      case 'join_request':
        return this.joins.fromVoucher(e.groupId, e.engineRef, e.requestedName);
      case 'join_request_failed':
        this.rt.log.log('warn', 'join.voucher_failed', { group: e.groupId });
        // Keyed by a hash of the engine's reference (which is derived from the voucher, so never stored plain).
        return this.inbound.notice(e.groupId, `join-failed:${createHash('sha256').update(e.engineRef).digest('hex').slice(0, 32)}`, joinFailedNotice());
      case 'joined':
        return this.inbound.notice(e.groupId, 'joined', `The bridge has joined the group (${e.members} members).`);
    }
  }

  // ---- from frontends (BridgeCoreApi) ---------------------------------------------------------

  userMessage(event: UserMessage): Promise<void> {
    return this.outbound.accept(event);
  }

  async userReaction(r: UserReaction): Promise<void> {
    const shown = await this.stores.inbox.keyForEvent(r.frontend, r.target);
    const sent = shown ? undefined : await this.stores.outbox.byEvent(r.frontend, r.target);
    const quoted = shown && shown.body.t === 'msg' ? shown.body.text : sent?.body.text;
    return this.outbound.accept({ frontend: r.frontend, room: r.room, eventId: r.eventId, sender: r.sender, message: reactionFallback(r.key, quoted), replyTo: r.target });
  }

  async userRedaction(frontend: FrontendId, room: FrontendRoomId, eventId: FrontendEventId): Promise<void> {
    const portal = await this.stores.portals.byRoom(frontend, room);
    if (!portal) return;
    await this.inbound.notice(portal.groupId, `redaction:${frontend}:${eventId}`, redactionNotice(), { frontend, inReplyTo: eventId });
  }

  /** A user entered a portal room: with policy approval they get a join request right away; with
   *  auto their puppet is made on their first message. */
  async userJoined(frontend: FrontendId, room: FrontendRoomId, user: FrontendUser): Promise<void> {
    const portal = await this.stores.portals.byRoom(frontend, room);
    if (!portal || portal.joinPolicy !== 'approval') return;
    if (await this.stores.puppets.get(portal.groupId, frontend, user.userId)) return;
    const name = renderPuppetName(this.o.config.puppet_display_name, user.displayName, this.frontends.get(frontend)?.networkLabel ?? frontend);
    await this.stores.puppets.addPending(portal.groupId, frontend, user.userId, name, this.rt.now());
    await this.joins.fromFrontend(portal.groupId, frontend, user.userId, name);
  }

  /** A user knocked on a portal room. With policy auto they are let in and their stream made at
   *  once; with approval a join request waits for an admin (approve lets them in, deny turns them
   *  away, join-flow.ts). A user already a member is let in; one denied before is turned away. */
  async userKnocked(frontend: FrontendId, room: FrontendRoomId, user: FrontendUser): Promise<void> {
    const portal = await this.stores.portals.byRoom(frontend, room);
    if (!portal) return;
    const known = await this.stores.puppets.get(portal.groupId, frontend, user.userId);
    const name = renderPuppetName(this.o.config.puppet_display_name, user.displayName, this.frontends.get(frontend)?.networkLabel ?? frontend);
    const request = { groupId: portal.groupId, frontend, requester: user.userId };
    if (known?.state === 'denied') return this.joins.tellFrontend(request, false);
    if (known?.state === 'active' || (!known && portal.joinPolicy === 'auto')) {
      if (!known) await this.outbound.activate(portal.groupId, frontend, user.userId, name);
      this.rt.log.log('info', 'join.knock_admitted', { group: portal.groupId, frontend });
      return this.joins.tellFrontend(request, true);
    }
    if (!known) await this.stores.puppets.addPending(portal.groupId, frontend, user.userId, name, this.rt.now());
    await this.joins.fromFrontend(portal.groupId, frontend, user.userId, known?.displayName ?? name);
  }

  /** A user left: their stream stays a member (the wire has no removal, wire §1.8); logged only. */
  async userLeft(frontend: FrontendId, _room: FrontendRoomId, _user: FrontendUserId): Promise<void> {
    this.rt.log.log('debug', 'user.left', { frontend });
  }

  adminCommand(caller: CommandCaller, text: string): Promise<CommandReply> {
    return this.commands.run(caller, text, this.services);
  }
}
