import type { FrontendId, FrontendUserId, GroupId, JoinRequestId } from '../ids/index.js';
import { isJoinDecisionCapable } from './capabilities.js';
import type { BridgeStores, Runtime } from './context.js';
import { sanitiseName } from './display-names.js';
import type { GroupSide } from './group-side.js';
import type { InboundPipeline } from './inbound.js';
import { failureOf } from './message-status.js';
import type { JoinRequest } from './join-request.js';
import { approvedNotice, deniedNotice, heldNotice, joinRequestNotice, outboundFailedNotice, renamedNotice } from './notices.js';

/**
 * Acting on join requests (DESIGN.md §3 "Joining is approved"), for both sources:
 *  - voucher: the engine read box 0; approve inducts (sealed reply, INTRODUCTION), deny writes
 *    nothing to the group (the engine's denyJoin);
 *  - frontend user (policy approval): approve creates their puppet stream, introduced by the
 *    bridge's member, and releases their held messages in order; deny fails those messages with a
 *    notice next to each.
 * Rename keeps the request pending under the new name (join-request.ts).
 */

export type JoinActionResult = { ok: true; request: JoinRequest } | { ok: false; reason: string };

export interface PuppetActivator {
  /** Creates and stores the puppet stream; then the outbound queue of the group is kicked. */
  activate(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, displayName: string): Promise<void>;
}

export class JoinFlow {
  /** Decisions run one at a time, so two admins approving the same request at once cannot both
   *  act on it (the second sees it decided). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly s: BridgeStores,
    private readonly rt: Runtime,
    private readonly group: GroupSide,
    private readonly inbound: InboundPipeline,
    private readonly puppets: PuppetActivator,
  ) {}

  /** The engine read a voucher's box 0. */
  async fromVoucher(groupId: GroupId, engineRef: string, requestedName: string): Promise<void> {
    const name = sanitiseName(requestedName, 'unnamed');
    const { request, created } = await this.s.joins.addFromVoucher(groupId, engineRef, name, this.rt.now());
    if (created) this.rt.log.log('info', 'join.requested', { group: groupId, request: request.id, source: 'voucher' });
    await this.inbound.notice(groupId, `join:${request.id}`, joinRequestNotice(request));
  }

  /** A frontend user spoke in a portal with policy approval: a request and a notice. */
  async fromFrontend(groupId: GroupId, frontend: FrontendId, userId: FrontendUserId, displayName: string): Promise<JoinRequest> {
    const { request, created } = await this.s.joins.addFromFrontend(groupId, frontend, userId, displayName, this.rt.now());
    if (created) {
      this.rt.log.log('info', 'join.requested', { group: groupId, request: request.id, source: 'frontend' });
      await this.inbound.notice(groupId, `join:${request.id}`, joinRequestNotice(request));
      await this.inbound.notice(groupId, `held:${request.id}`, heldNotice(request), { frontend });
    }
    return request;
  }

  approve(id: JoinRequestId, by: string, rename?: string): Promise<JoinActionResult> {
    return this.serial(() => this.approveNow(id, by, rename));
  }

  deny(id: JoinRequestId, by: string): Promise<JoinActionResult> {
    return this.serial(() => this.denyNow(id, by));
  }

  rename(id: JoinRequestId, newName: string): Promise<JoinActionResult> {
    return this.serial(() => this.renameNow(id, newName));
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.tail.then(op, op);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async approveNow(id: JoinRequestId, by: string, rename?: string): Promise<JoinActionResult> {
    const r = await this.pending(id);
    if (!r.ok) return r;
    let request = r.request;
    if (rename !== undefined) {
      await this.s.joins.rename(id, sanitiseName(rename, request.displayName));
      request = (await this.s.joins.get(id))!;
    }
    if (request.source === 'voucher') {
      const ref = await this.s.joins.engineRef(id);
      if (!ref) return { ok: false, reason: `join request #${id} has lost its voucher reference; deny it and ask for a new voucher` };
      await this.group.approveJoin(request.groupId, ref, request.displayName);
    } else {
      await this.puppets.activate(request.groupId, request.frontend!, request.requester as FrontendUserId, request.displayName);
    }
    await this.s.joins.decide(id, 'approved', by, this.rt.now());
    this.rt.log.log('info', 'join.approved', { group: request.groupId, request: id });
    if (request.source !== 'voucher') await this.tellFrontend(request, true);
    await this.inbound.notice(request.groupId, `approved:${id}`, approvedNotice(request, by));
    return { ok: true, request };
  }

  private async denyNow(id: JoinRequestId, by: string): Promise<JoinActionResult> {
    const r = await this.pending(id);
    if (!r.ok) return r;
    const request = r.request;
    if (request.source === 'voucher') {
      const ref = await this.s.joins.engineRef(id);
      if (ref) await this.group.denyJoin(request.groupId, ref);
    } else {
      const frontend = request.frontend!;
      const user = request.requester as FrontendUserId;
      await this.s.puppets.setState(request.groupId, frontend, user, 'denied');
      for (const m of await this.s.outbox.failHeld(request.groupId, frontend, user, 'join_denied')) {
        await this.inbound.notice(request.groupId, `fail-out:${m.id}`, outboundFailedNotice(m.body.text, 'an admin declined your join request'), { frontend, inReplyTo: m.eventId });
      }
    }
    await this.s.joins.decide(id, 'denied', by, this.rt.now());
    this.rt.log.log('info', 'join.denied', { group: request.groupId, request: id });
    if (request.source !== 'voucher') await this.tellFrontend(request, false);
    await this.inbound.notice(request.groupId, `denied:${id}`, deniedNotice(request, by));
    return { ok: true, request };
  }

  private async renameNow(id: JoinRequestId, newName: string): Promise<JoinActionResult> {
    const r = await this.pending(id);
    if (!r.ok) return r;
    const name = sanitiseName(newName, '');
    if (name === '') return { ok: false, reason: 'the new name has no printable characters' };
    await this.s.joins.rename(id, name);
    if (r.request.source === 'frontend') await this.s.puppets.setState(r.request.groupId, r.request.frontend!, r.request.requester as FrontendUserId, 'pending', name);
    await this.inbound.notice(r.request.groupId, `renamed:${id}:${this.rt.now()}`, renamedNotice(r.request, name));
    return { ok: true, request: (await this.s.joins.get(id))! };
  }

  /** A user waiting outside the room (a knock) is let in or turned away; best effort, since the
   *  decision itself is stored and announced already. */
  async tellFrontend(request: Pick<JoinRequest, 'groupId' | 'frontend' | 'requester'>, approved: boolean): Promise<void> {
    const fe = request.frontend ? this.rt.frontends.get(request.frontend) : undefined;
    const room = request.frontend ? (await this.s.portals.get(request.groupId))?.rooms.get(request.frontend) : undefined;
    if (!fe || !room || !isJoinDecisionCapable(fe)) return;
    await fe.joinDecided(room, request.requester as FrontendUserId, approved).catch((e: unknown) =>
      this.rt.log.log('warn', 'join.frontend_not_told', { frontend: fe.id, approved, cause: failureOf(e, 'frontend_unavailable').cause }),
    );
  }

  private async pending(id: JoinRequestId): Promise<JoinActionResult> {
    const r = await this.s.joins.get(id);
    if (!r) return { ok: false, reason: `there is no join request #${id}; \`pending\` lists the open ones` };
    if (r.state !== 'pending') return { ok: false, reason: `join request #${id} was already ${r.state}${r.decidedBy ? ` by ${r.decidedBy}` : ''}` };
    return { ok: true, request: r };
  }
}
