import { createHash } from 'node:crypto';
import type { FrontendId, FrontendUserId, GroupId } from '../ids/index.js';
import type { Config } from '../config/index.js';
import type { BridgeStores, Runtime } from './context.js';
import { countDelivered } from './queue-metrics.js';
import { ImageMetadataError, stripImageMetadata } from './image-metadata.js';
import { isDeliveryStatusCapable } from './capabilities.js';
import { backoffMs } from './delivery-queue.js';
import { renderPuppetName } from './display-names.js';
import type { UserMessage } from './frontend.js';
import type { GroupOutgoing, GroupSide, MessageRef } from './group-side.js';
import type { InboundPipeline } from './inbound.js';
import type { PuppetActivator } from './join-flow.js';
import { DeliveryError, failureOf } from './message-status.js';
import { delayedNotice, imageRefusedNotice, outboundFailedNotice } from './notices.js';
import type { OutboundBody, OutboxEntry } from './outbox.js';

/**
 * Frontend -> group (DESIGN.md §3 "Per-user streams", §4 "Delivery"). `accept` stores the event
 * in the outbox (dedup by frontend event id) and decides by the portal's policy: a known puppet's
 * message is queued; a newcomer's is queued (auto: the puppet is made when it is sent) or held
 * behind a join request (approval). Each portal drains its queue in order; the message id sent
 * with each message is derived from the frontend event, so a resend after a crash is the same
 * message. A final failure becomes a notice next to the message.
 */

/** Files a join request for a newcomer (JoinFlow.fromFrontend). */
export type RequestJoin = (groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, displayName: string) => Promise<unknown>;

export class OutboundPipeline implements PuppetActivator {
  constructor(
    private readonly s: BridgeStores,
    private readonly rt: Runtime,
    private readonly group: GroupSide,
    private readonly inbound: InboundPipeline,
    private readonly bridgeConfig: Config['bridge'],
    private readonly requestJoin: RequestJoin,
  ) {}

  async accept(ev: UserMessage): Promise<void> {
    const portal = await this.s.portals.byRoom(ev.frontend, ev.room);
    if (!portal) {
      this.rt.log.log('debug', 'outbound.not_a_portal', { frontend: ev.frontend });
      return;
    }
    let file = ev.file;
    if (file && this.bridgeConfig.strip_image_metadata) {
      try {
        const r = stripImageMetadata(file.bytes);
        if (r.format) {
          file = { ...file, bytes: r.bytes };
          this.rt.log.log('debug', 'outbound.image_metadata_removed', { format: r.format, removed: r.removed });
        }
      } catch (e) {
        if (!(e instanceof ImageMetadataError)) throw e;
        // Fail closed: what could not be parsed could be metadata.
        this.rt.log.log('warn', 'outbound.image_refused', { frontend: ev.frontend, format: e.format, code: e.code });
        this.rt.metrics.errors.inc({ component: 'bridge', code: e.code });
        await this.inbound.notice(portal.groupId, `image-refused:${ev.frontend}:${ev.eventId}`, imageRefusedNotice(e.format), { frontend: ev.frontend, inReplyTo: ev.eventId });
        return;
      }
    }
    const body: OutboundBody = {
      kind: file ? 'file' : ev.message.kind,
      text: ev.message.text,
      senderName: ev.sender.displayName,
      ...(ev.replyTo ? await this.ref(ev.frontend, ev.replyTo).then((r) => (r ? { replyTo: r } : {})) : {}),
      ...(ev.editOf ? await this.ref(ev.frontend, ev.editOf).then((r) => (r ? { editOf: r } : {})) : {}),
      ...(file ? { basename: file.basename, filetype: file.filetype } : {}),
    };
    const { id, created } = await this.s.outbox.enqueue(
      { groupId: portal.groupId, frontend: ev.frontend, room: ev.room, eventId: ev.eventId, userId: ev.sender.userId, body, ...(file ? { file: file.bytes } : {}) },
      this.rt.now(),
    );
    if (!created) return;
    const puppet = await this.s.puppets.get(portal.groupId, ev.frontend, ev.sender.userId);
    if (puppet?.state === 'denied') {
      await this.s.outbox.markFailed(id, 'join_denied');
      await this.inbound.notice(portal.groupId, `fail-out:${id}`, outboundFailedNotice(body.text, 'an admin declined your join request'), { frontend: ev.frontend, inReplyTo: ev.eventId });
      return;
    }
    if (puppet?.state === 'pending' || (!puppet && portal.joinPolicy === 'approval')) {
      await this.s.outbox.hold(id);
      const fe = this.rt.frontends.get(ev.frontend);
      const name = renderPuppetName(this.bridgeConfig.puppet_display_name, ev.sender.displayName, fe?.networkLabel ?? ev.frontend);
      if (!puppet) await this.s.puppets.addPending(portal.groupId, ev.frontend, ev.sender.userId, name, this.rt.now());
      await this.requestJoin(portal.groupId, ev.frontend, ev.sender.userId, puppet?.displayName ?? name);
      return;
    }
    this.kick(portal.groupId);
  }

  kick(groupId: GroupId): void {
    this.rt.queues.kick(`out:${groupId}`, () => this.drain(groupId));
  }

  /** PuppetActivator: a new stream for the user, introduced by the bridge's member; then their
   *  held messages go back into the queue in order. */
  async activate(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, displayName: string): Promise<void> {
    const existing = await this.s.puppets.stream(groupId, frontend, userId);
    if (!existing) {
      const stream = await this.group.newPuppetStream(groupId, displayName);
      await this.s.puppets.activate(groupId, frontend, userId, displayName, stream, this.rt.now());
      this.rt.log.log('info', 'puppet.created', { group: groupId, frontend });
    }
    await this.s.outbox.release(groupId, frontend, userId);
    this.kick(groupId);
  }

  private async drain(groupId: GroupId): Promise<number | undefined> {
    for (;;) {
      const m = await this.s.outbox.head(groupId);
      if (!m) return undefined;
      const wait = m.nextAttemptAtMs - this.rt.now();
      if (wait > 0) return wait;
      try {
        const counter = await this.send(m);
        await this.s.outbox.markSent(m.id, counter);
        countDelivered(this.rt.metrics, 'outbound', groupId, m.frontend, m.createdAtMs, this.rt.now());
        // Not awaited: the status is a courtesy and must not hold the queue back.
        void this.showDelivered(m);
      } catch (e) {
        const f = failureOf(e, 'group_unavailable');
        const attempts = m.attempts + 1;
        this.rt.metrics.errors.inc({ component: 'bridge', code: f.code });
        this.rt.log.log('warn', 'outbound.send_failed', { group: groupId, outbox: m.id, attempt: attempts, code: f.code, retriable: f.retriable, cause: f.cause });
        if (f.retriable) {
          const delay = backoffMs(this.rt.retry, attempts);
          await this.s.outbox.retryLater(m.id, attempts, this.rt.now() + delay, f.cause);
          if (attempts === this.rt.retry.noticeAfterAttempts) {
            await this.inbound.notice(groupId, `delayed-out:${m.id}`, delayedNotice(m.body.text, f.userLine), { frontend: m.frontend, inReplyTo: m.eventId });
          }
          return delay;
        }
        await this.s.outbox.markFailed(m.id, f.cause);
        await this.inbound.notice(groupId, `fail-out:${m.id}`, outboundFailedNotice(m.body.text, f.userLine), { frontend: m.frontend, inReplyTo: m.eventId });
      }
    }
  }

  /** Tells the sender's frontend the message reached Katzenpost, where it can show that. Best
   *  effort: the message is already delivered, so a failure here is logged, never retried. */
  private async showDelivered(m: OutboxEntry): Promise<void> {
    const fe = this.rt.frontends.get(m.frontend);
    if (!fe || !isDeliveryStatusCapable(fe)) return;
    await fe.markDelivered(m.room, m.eventId).catch((e: unknown) => {
      const f = failureOf(e, 'frontend_unavailable');
      this.rt.metrics.errors.inc({ component: 'bridge', code: f.code });
      this.rt.log.log('info', 'outbound.status_not_shown', { frontend: m.frontend, cause: f.cause });
    });
  }

  private async send(m: OutboxEntry): Promise<MessageRef['counter']> {
    if (m.file && m.file.length > this.bridgeConfig.max_file_bytes) {
      throw new DeliveryError('file_too_large', { retriable: false, userLine: `the file is larger than this bridge's limit of ${this.bridgeConfig.max_file_bytes} bytes` });
    }
    let stream = await this.s.puppets.stream(m.groupId, m.frontend, m.userId);
    if (!stream) {
      // Policy auto, first message: the puppet is made now (slow: a new stream and an INTRODUCTION).
      const fe = this.rt.frontends.get(m.frontend);
      const name = renderPuppetName(this.bridgeConfig.puppet_display_name, m.body.senderName ?? m.userId, fe?.networkLabel ?? m.frontend);
      await this.activate(m.groupId, m.frontend, m.userId, name);
      stream = await this.s.puppets.stream(m.groupId, m.frontend, m.userId);
      if (!stream) throw new DeliveryError('not_a_member', { retriable: false, userLine: 'you are not a member of this group' });
    }
    const msgId = createHash('sha256').update(`katzenbridge msg\0${m.frontend}\0${m.eventId}`).digest().subarray(0, 16);
    const out: GroupOutgoing =
      m.body.kind === 'file'
        ? { kind: 'file', basename: m.body.basename ?? 'file', filetype: m.body.filetype ?? 'application/octet-stream', bytes: m.file ?? new Uint8Array(), msgId }
        : {
            kind: 'text',
            text: m.body.text,
            msgId,
            ...(m.body.kind === 'emote' ? { emote: true } : {}),
            ...(m.body.replyTo ? { replyTo: m.body.replyTo } : {}),
            ...(m.body.editOf ? { editOf: m.body.editOf } : {}),
          };
    return (await this.group.sendAs(m.groupId, stream, out)).counter;
  }

  /** The group message a frontend event refers to: one we showed, or one a puppet sent. */
  private async ref(frontend: FrontendId, eventId: UserMessage['eventId']): Promise<MessageRef | undefined> {
    const shown = await this.s.inbox.keyForEvent(frontend, eventId);
    if (shown && shown.body.t !== 'notice') return { member: shown.body.member, counter: shown.body.counter };
    const sent = await this.s.outbox.byEvent(frontend, eventId);
    if (sent?.counter) {
      const p = await this.s.puppets.get(sent.groupId, frontend, sent.userId);
      if (p?.member) return { member: p.member, counter: sent.counter };
    }
    return undefined;
  }
}
