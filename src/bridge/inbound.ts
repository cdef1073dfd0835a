import { asTransactionId, type FrontendEventId, type FrontendId, type FrontendRoomId, type GroupId } from '../ids/index.js';
import { isEditCapable, isFileCapable, isReplyCapable } from './capabilities.js';
import type { BridgeStores, Runtime } from './context.js';
import { countDelivered } from './queue-metrics.js';
import { backoffMs } from './delivery-queue.js';
import { sanitiseName } from './display-names.js';
import { editFallback, fileFallback, replyFallback } from './fallbacks.js';
import type { Frontend, FrontendMessage, GhostProfile } from './frontend.js';
import { ghostIdOf, type Ghost } from './ghost.js';
import type { GroupInbound, MessageRef } from './group-side.js';
import { messageKey, type Delivery, type InboundBody } from './inbox.js';
import { failureOf } from './message-status.js';
import { inboundFailedNotice } from './notices.js';

/**
 * Group -> frontends (DESIGN.md §4 "Delivery"). A group message is stored once in the inbox
 * (dedup by (stream, index)) with one delivery per linked room, except the room of the frontend
 * whose puppet wrote it (that room already shows it). Each room drains its own ordered queue:
 * a failure is retried with backoff while the head waits (order kept), and a final failure is
 * followed, in the same queue, by a notice saying so.
 */

type MessageEvent = Extract<GroupInbound, { type: 'text' | 'file' }>;

export class InboundPipeline {
  /** (frontend, room, ghost) -> the shown name last ensured; a restart ensures once again. */
  private readonly ensured = new Map<string, string>();

  constructor(
    private readonly s: BridgeStores,
    private readonly rt: Runtime,
  ) {}

  /** Stores a message read from a group; resolves once it is durable (the engine may then move
   *  its cursor). A repeat of a stored (stream, index) changes nothing. */
  async record(e: MessageEvent): Promise<void> {
    const portal = await this.s.portals.get(e.groupId);
    if (!portal) {
      this.rt.log.log('warn', 'inbound.no_portal', { group: e.groupId });
      return;
    }
    const ghost = await this.ghostFor(e.groupId, e.member, e.displayName);
    const origin = await this.s.puppets.byMember(e.groupId, e.member);
    const targets = [...portal.rooms].filter(([f]) => f !== origin?.frontend).map(([frontend, room]) => ({ frontend, room }));
    const key = messageKey(e.member, e.counter);
    const body: InboundBody =
      e.type === 'text'
        ? {
            t: 'msg',
            member: e.member,
            counter: e.counter,
            kind: e.emote ? 'emote' : 'text',
            text: e.text,
            ...(e.senderName ? { senderName: e.senderName } : {}),
            ...(e.replyTo ? { replyTo: messageKey(e.replyTo.member, e.replyTo.counter) } : {}),
            ...(e.editOf ? { editOf: messageKey(e.editOf.member, e.editOf.counter) } : {}),
          }
        : { t: 'file', member: e.member, counter: e.counter, basename: e.basename, filetype: e.filetype };
    const added = await this.s.inbox.add(e.groupId, key, body, targets, this.rt.now(), e.type === 'file' ? e.bytes : undefined);
    if (added) this.rt.log.log('debug', 'inbound.stored', { group: e.groupId, member: ghost.ghostId, counter: e.counter });
    for (const t of targets) this.kick(t.frontend, t.room);
  }

  /** Stores a bridge notice for a portal's rooms (or one frontend's room) under a dedup key. */
  async notice(groupId: GroupId, key: string, text: string, only?: { frontend: FrontendId; inReplyTo?: FrontendEventId }): Promise<void> {
    const portal = await this.s.portals.get(groupId);
    if (!portal) return;
    const targets = [...portal.rooms].filter(([f]) => !only || f === only.frontend).map(([frontend, room]) => ({ frontend, room }));
    await this.s.inbox.add(groupId, `n:${key}`, { t: 'notice', text, ...(only?.inReplyTo ? { inReplyTo: only.inReplyTo } : {}) }, targets, this.rt.now());
    for (const t of targets) this.kick(t.frontend, t.room);
  }

  /** The member's ghost, recorded or renamed. When a new name makes others ambiguous (or no
   *  longer), the ghosts already shown are renamed on the frontends right away (best effort: a
   *  failure is logged, and the rename is retried before that ghost's next post). */
  async ghostFor(groupId: GroupId, member: MessageRef['member'], displayName: string): Promise<Ghost> {
    const known = await this.s.ghosts.get(groupId, member);
    if (known && (known.displayName === displayName || known.displayName === sanitiseName(displayName, known.displayName))) return known;
    const { ghost, changed } = await this.s.ghosts.upsert(groupId, member, displayName);
    for (const g of changed) {
      for (const [k, shownAs] of this.ensured) {
        const [frontend, room, ghostId] = k.split('\0') as [FrontendId, FrontendRoomId, string];
        const fe = this.rt.frontends.get(frontend);
        if (ghostId !== g.ghostId || shownAs === g.shownName || !fe) continue;
        await this.ensureGhost(fe, room, { ghostId: g.ghostId, groupId, displayName: g.shownName }).catch((e: unknown) =>
          this.rt.log.log('warn', 'ghost.rename_failed', { frontend, ghost: g.ghostId, cause: failureOf(e, 'frontend_unavailable').cause }),
        );
      }
    }
    return ghost;
  }

  kick(frontend: FrontendId, room: FrontendRoomId): void {
    this.rt.queues.kick(`in:${frontend}:${room}`, () => this.drain(frontend, room));
  }

  private async drain(frontend: FrontendId, room: FrontendRoomId): Promise<number | undefined> {
    const fe = this.rt.frontends.get(frontend);
    if (!fe) return undefined; // not running now; resumed when it is registered
    for (;;) {
      const d = await this.s.inbox.head(frontend, room);
      if (!d) return undefined;
      const wait = d.nextAttemptAtMs - this.rt.now();
      if (wait > 0) return wait;
      try {
        const eventId = await this.show(fe, d);
        await this.s.inbox.markDelivered(d.inboxId, frontend, eventId);
        if (d.body.t !== 'notice') countDelivered(this.rt.metrics, 'inbound', d.groupId, frontend, d.createdAtMs, this.rt.now());
      } catch (e) {
        const f = failureOf(e, 'frontend_unavailable');
        const attempts = d.attempts + 1;
        this.rt.metrics.errors.inc({ component: 'bridge', code: f.code });
        this.rt.log.log('warn', 'inbound.delivery_failed', { frontend, inbox: d.inboxId, attempt: attempts, code: f.code, retriable: f.retriable, cause: f.cause });
        if (f.retriable) {
          // An outage of the frontend's network: keep the order and keep trying (DESIGN.md §4:
          // never lost across outages); a notice could not get through either.
          const delay = backoffMs(this.rt.retry, attempts);
          await this.s.inbox.retryLater(d.inboxId, frontend, attempts, this.rt.now() + delay, f.cause);
          return delay;
        }
        // Final: the notice goes right after the failed message, before the queue moves on. Its
        // txn id is derived from the message's, so a crash here never shows it twice.
        if (d.body.t !== 'notice') {
          const ghost = await this.s.ghosts.get(d.groupId, d.body.member);
          const text = inboundFailedNotice(ghost?.shownName ?? 'a member', f.userLine);
          try {
            await fe.postNotice(room, text, asTransactionId(`${d.txnId}-failed`));
          } catch (e2) {
            const f2 = failureOf(e2, 'frontend_unavailable');
            this.rt.metrics.errors.inc({ component: 'bridge', code: f2.code });
            this.rt.log.log('warn', 'inbound.notice_failed', { frontend, inbox: d.inboxId, cause: f2.cause });
            await this.notice(d.groupId, `fail-in:${d.inboxId}:${frontend}`, text, { frontend });
          }
        }
        await this.s.inbox.markFailed(d.inboxId, frontend, f.cause);
      }
    }
  }

  private async show(fe: Frontend, d: Delivery): Promise<FrontendEventId> {
    const b = d.body;
    if (b.t === 'notice') return fe.postNotice(d.room, b.text, d.txnId, b.inReplyTo);
    // A message is stored after its ghost (record), so the fallback is only for a store edited by hand.
    const ghost = (await this.s.ghosts.get(d.groupId, b.member)) ?? { ghostId: ghostIdOf(d.groupId, b.member), shownName: `member ${b.member.slice(0, 6)}` };
    await this.ensureGhost(fe, d.room, { ghostId: ghost.ghostId, groupId: d.groupId, displayName: ghost.shownName });
    if (b.t === 'file') {
      const bytes = d.file ?? new Uint8Array();
      if (isFileCapable(fe)) return fe.postFile(d.room, ghost.ghostId, { basename: b.basename, filetype: b.filetype, bytes }, d.txnId);
      return fe.postNotice(d.room, fileFallback(ghost.shownName, b.basename, b.filetype, bytes.length), d.txnId);
    }
    const msg: FrontendMessage = { kind: b.kind, text: b.senderName ? `${b.senderName}: ${b.text}` : b.text };
    if (b.editOf) {
      const target = await this.s.inbox.eventFor(d.groupId, fe.id, b.editOf);
      if (target && isEditCapable(fe)) return fe.postEdit(d.room, ghost.ghostId, msg, target, d.txnId);
      return fe.postMessage(d.room, ghost.ghostId, editFallback(msg), d.txnId);
    }
    if (b.replyTo) {
      const target = await this.replyTarget(d.groupId, fe.id, b.replyTo);
      if (target.event && isReplyCapable(fe)) return fe.postReply(d.room, ghost.ghostId, msg, target.event, d.txnId);
      return fe.postMessage(d.room, ghost.ghostId, replyFallback(msg, target.author, target.text), d.txnId);
    }
    return fe.postMessage(d.room, ghost.ghostId, msg, d.txnId);
  }

  /** Where a replied-to group message is on this frontend: shown by us (inbox) or written by a
   *  puppet of this frontend (outbox). */
  private async replyTarget(groupId: GroupId, frontend: FrontendId, key: string): Promise<{ event?: FrontendEventId; author?: string; text?: string }> {
    const [, member, counter] = key.split(':') as [string, string, string];
    const puppet = await this.s.puppets.byMember(groupId, member as MessageRef['member']);
    if (puppet && puppet.frontend === frontend) {
      const sent = await this.s.outbox.bySent(groupId, frontend, puppet.userId, counter);
      if (sent) return { event: sent.eventId, author: puppet.displayName, text: sent.body.text };
    }
    const event = await this.s.inbox.eventFor(groupId, frontend, key);
    const shown = await this.s.inbox.byKey(groupId, key);
    const ghost = await this.s.ghosts.get(groupId, member as MessageRef['member']);
    return {
      ...(event ? { event } : {}),
      ...(shown && shown.t === 'msg' ? { text: shown.text, author: ghost?.shownName ?? 'a member' } : {}),
    };
  }

  private async ensureGhost(fe: Frontend, room: FrontendRoomId, p: GhostProfile): Promise<void> {
    const k = `${fe.id}\0${room}\0${p.ghostId}`;
    if (this.ensured.get(k) === p.displayName) return;
    await fe.ensureGhost(room, p);
    this.ensured.set(k, p.displayName);
  }
}
