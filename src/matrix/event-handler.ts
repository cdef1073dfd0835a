import { createHash } from 'node:crypto';
import { silentLogger, type BridgeCoreApi, type BridgeLogger, type CommandReply, type FrontendUser } from '../bridge/index.js';
import { asFrontendEventId, asFrontendRoomId, asFrontendUserId, asTransactionId, type FrontendId, type TransactionId } from '../ids/index.js';
import type { BridgePort } from './appservice-port.js';
import { MatrixEventError, httpFailureOf } from './errors.js';
import { noticeContent } from './matrix-content.js';
import { isBridgeUser, localpartOf, type MatrixNames } from './matrix-ids.js';
import type { MatrixState } from './matrix-state.js';
import { parseEvent, type MatrixInput } from './parse-event.js';

/**
 * Matrix -> bridge: one event from an appservice transaction at a time, in order. Messages in
 * portal rooms go to the core (which dedups by event id and queues them durably); messages in an
 * admin room are commands; what cannot be bridged gets a notice, never silence. `handle`
 * resolves once the event's effect is durable; it throws only when it is worth the homeserver
 * sending the transaction again (the store failed), never for a bad event.
 */

/** Notices from the handler itself (not queued through the core). */
export const NOTICES = {
  encrypted:
    'This room is encrypted. katzenbridge cannot read or send encrypted messages, so nothing is bridged here. ' +
    'Use a room without encryption for a Katzenpost group.',
  welcome: 'Hello, I am the katzenbridge bot. This is your admin room: send `help` to see the commands.',
  unsupported: (what: string): string => `Not bridged: ${what} cannot be sent to the Katzenpost group yet; its members did not see it.`,
  tooLarge: (limit: number): string => `Not bridged: the file is larger than this bridge's limit of ${limit} bytes; the group's members did not get it.`,
  unfetchable: 'Not bridged: the bridge could not fetch this file from the homeserver; the group did not get it.',
} as const;

export interface PortalRooms {
  /** Whether the room is linked to a group (the core's portal store). */
  isPortal(roomId: string): Promise<boolean>;
}

export interface MatrixEventHandlerOptions {
  readonly frontend: FrontendId;
  readonly core: BridgeCoreApi;
  readonly bridge: BridgePort;
  readonly state: MatrixState;
  readonly names: MatrixNames;
  readonly portals: PortalRooms;
  /** config bridge.max_file_bytes: larger files are refused before they are fetched. */
  readonly maxFileBytes: number;
  readonly log?: BridgeLogger;
  readonly now?: () => number;
}

/** A transaction id derived from an event: the same event always gives the same notice id. */
const derivedTxn = (purpose: string, eventKey: string): TransactionId =>
  asTransactionId(`kbm-${purpose}-${createHash('sha256').update(eventKey).digest('hex').slice(0, 32)}`);

export class MatrixEventHandler {
  private readonly log: BridgeLogger;
  private readonly now: () => number;
  /** Room member display names seen in member events, so a message needs no lookup. */
  private readonly names = new Map<string, string>();

  constructor(private readonly o: MatrixEventHandlerOptions) {
    this.log = o.log ?? silentLogger;
    this.now = o.now ?? Date.now;
  }

  async handle(raw: unknown): Promise<void> {
    let input: MatrixInput;
    try {
      input = parseEvent(raw);
    } catch (e) {
      if (!(e instanceof MatrixEventError)) throw e;
      // Bad input: logged with its code and field, skipped; the transaction still succeeds.
      this.log.log('warn', 'matrix.bad_event', { code: e.code, field: e.field });
      return;
    }
    if (input.t === 'ignore') return;
    if (input.t === 'member') return this.member(input);
    if (isBridgeUser(this.o.names, input.sender)) return; // our own echo
    if (input.t === 'encrypted') return this.encrypted(input.roomId);
    if (await this.o.state.isEncrypted(input.roomId)) return; // nothing is bridged there
    if (input.t === 'message' && (await this.o.state.isAdminRoom(input.roomId))) return this.command(input);
    if (!(await this.o.portals.isPortal(input.roomId))) return;
    switch (input.t) {
      case 'message':
        return this.o.core.userMessage({
          frontend: this.o.frontend,
          room: asFrontendRoomId(input.roomId),
          eventId: asFrontendEventId(input.eventId),
          sender: await this.user(input.roomId, input.sender),
          message: input.message,
          ...(input.replyTo ? { replyTo: asFrontendEventId(input.replyTo) } : {}),
          ...(input.editOf ? { editOf: asFrontendEventId(input.editOf) } : {}),
        });
      case 'reaction':
        // The wire has no reactions: the core sends an emote quoting the message (its fallback).
        return this.o.core.userReaction({
          frontend: this.o.frontend,
          room: asFrontendRoomId(input.roomId),
          eventId: asFrontendEventId(input.eventId),
          sender: await this.user(input.roomId, input.sender),
          target: asFrontendEventId(input.target),
          key: input.key,
        });
      case 'redaction':
        // Boxes are write-once: the core answers with a notice that the group still has it.
        return this.o.core.userRedaction(this.o.frontend, asFrontendRoomId(input.roomId), asFrontendEventId(input.redacts));
      case 'file':
        return this.file(input);
      case 'unsupported':
        return this.notice(input.roomId, NOTICES.unsupported(input.what), derivedTxn('unsupported', input.eventId), input.eventId);
    }
  }

  private async member(m: Extract<MatrixInput, { t: 'member' }>): Promise<void> {
    const bot = this.o.bridge.getIntent();
    if (m.userId === bot.userId) {
      if (m.membership === 'invite') await this.invited(m.roomId, m.sender, m.isDirect);
      return;
    }
    if (isBridgeUser(this.o.names, m.userId)) return;
    const key = `${m.roomId}\0${m.userId}`;
    if (m.membership === 'join') {
      const displayName = m.displayName ?? localpartOf(m.userId);
      this.names.set(key, displayName);
      if (await this.o.state.isEncrypted(m.roomId)) return;
      await this.o.core.userJoined(this.o.frontend, asFrontendRoomId(m.roomId), { userId: asFrontendUserId(m.userId), displayName });
    } else if (m.membership === 'knock') {
      // Knocking (issue 6): a join request the admins act on; the decision comes back through
      // MatrixFrontend.joinDecided (invite, or the knock turned away).
      if (await this.o.state.isEncrypted(m.roomId)) return;
      await this.o.core.userKnocked(this.o.frontend, asFrontendRoomId(m.roomId), { userId: asFrontendUserId(m.userId), displayName: m.displayName ?? localpartOf(m.userId) });
    } else if (m.membership === 'leave' || m.membership === 'ban') {
      this.names.delete(key);
      await this.o.core.userLeft(this.o.frontend, asFrontendRoomId(m.roomId), asFrontendUserId(m.userId));
    }
  }

  /** The bot was invited: it joins; a direct chat becomes an admin room (who may run commands
   *  there is the core's decision); an encrypted room gets the notice and nothing else. */
  private async invited(roomId: string, inviter: string, isDirect: boolean): Promise<void> {
    const bot = this.o.bridge.getIntent();
    try {
      await bot.join(roomId);
    } catch (e) {
      this.log.log('warn', 'matrix.join_failed', { room: roomId, cause: e instanceof Error ? e.message.slice(0, 120) : 'unknown' });
      return;
    }
    let encrypted = false;
    try {
      encrypted = (await bot.getStateEvent(roomId, 'm.room.encryption', '', true)) != null;
    } catch {
      // Unknown: treat as not encrypted; an encryption event arriving later still refuses it.
    }
    if (encrypted) return this.encrypted(roomId);
    if (!isDirect) return;
    await this.o.state.addAdminRoom(roomId, inviter, this.now());
    this.log.log('info', 'matrix.admin_room', { room: roomId });
    await this.notice(roomId, NOTICES.welcome, derivedTxn('welcome', roomId));
  }

  private async encrypted(roomId: string): Promise<void> {
    if (!(await this.o.state.markEncrypted(roomId, this.now()))) return;
    this.log.log('warn', 'matrix.encrypted_room', { room: roomId });
    await this.notice(roomId, NOTICES.encrypted, derivedTxn('encrypted', roomId));
  }

  private async command(m: Extract<MatrixInput, { t: 'message' }>): Promise<void> {
    if (m.editOf) return; // an edited command is not run again
    let reply: CommandReply;
    try {
      reply = await this.o.core.adminCommand(
        // The homeserver vouches for the sender of an appservice event, so the user id is verified.
        { frontend: this.o.frontend, userId: asFrontendUserId(m.sender), adminIdentity: m.sender },
        m.message.text,
      );
    } catch (e) {
      // Not retried through the homeserver: a command is not idempotent, and a command failing
      // every time would hold up every later event of every room.
      this.log.log('error', 'matrix.command_failed', { room: m.roomId, error: e instanceof Error ? e.name : 'unknown' });
      reply = { ok: false, text: 'That command failed on the bridge; the details are in its log.' };
    }
    // The command's text and answer are never logged: an answer may carry a voucher (private).
    this.log.log('info', 'matrix.command', { room: m.roomId, ok: reply.ok });
    await this.notice(m.roomId, reply.text, derivedTxn('command', m.eventId), m.eventId);
  }

  /** A Matrix file to the group: fetched from the media repository, sent as a file upload with
   *  its name and type (the core checks the size again against the bytes). */
  private async file(f: Extract<MatrixInput, { t: 'file' }>): Promise<void> {
    const txn = derivedTxn('file', f.eventId);
    if (f.sizeBytes !== undefined && f.sizeBytes > this.o.maxFileBytes) return this.notice(f.roomId, NOTICES.tooLarge(this.o.maxFileBytes), txn, f.eventId);
    let data: Buffer;
    try {
      ({ data } = await this.o.bridge.getIntent().matrixClient.downloadContent(f.url));
    } catch (e) {
      const { status } = httpFailureOf(e);
      // No answer or a server error: the homeserver sends the transaction again later.
      if (status === undefined || status === 429 || status >= 500) throw e;
      this.log.log('warn', 'matrix.file_unfetchable', { room: f.roomId, status });
      return this.notice(f.roomId, NOTICES.unfetchable, txn, f.eventId);
    }
    if (data.length > this.o.maxFileBytes) return this.notice(f.roomId, NOTICES.tooLarge(this.o.maxFileBytes), txn, f.eventId);
    return this.o.core.userMessage({
      frontend: this.o.frontend,
      room: asFrontendRoomId(f.roomId),
      eventId: asFrontendEventId(f.eventId),
      sender: await this.user(f.roomId, f.sender),
      message: { kind: 'text', text: f.name },
      file: { basename: f.name, filetype: f.mimetype, bytes: new Uint8Array(data) },
    });
  }

  private async user(roomId: string, userId: string): Promise<FrontendUser> {
    const key = `${roomId}\0${userId}`;
    let name = this.names.get(key);
    if (name === undefined) {
      try {
        const member = (await this.o.bridge.getIntent().getStateEvent(roomId, 'm.room.member', userId, true)) as { displayname?: unknown } | null;
        name = typeof member?.displayname === 'string' && member.displayname.trim() !== '' ? member.displayname : localpartOf(userId);
      } catch {
        name = localpartOf(userId);
      }
      this.names.set(key, name);
    }
    return { userId: asFrontendUserId(userId), displayName: name };
  }

  /** A notice from the bot; a failure is logged, not retried (the homeserver would resend the
   *  whole transaction, and the notice is not worth holding up the room's messages). */
  private async notice(roomId: string, text: string, txnId: TransactionId, inReplyTo?: string): Promise<void> {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`;
    try {
      await this.o.bridge.getIntent().matrixClient.doRequest('PUT', path, null, noticeContent(text, inReplyTo));
    } catch (e) {
      this.log.log('warn', 'matrix.notice_failed', { room: roomId, cause: e instanceof Error ? e.message.slice(0, 120) : 'unknown' });
    }
  }
}
