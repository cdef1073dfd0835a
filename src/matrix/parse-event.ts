import type { FrontendMessage, TextKind } from '../bridge/index.js';
import { MatrixEventError } from './errors.js';
import { htmlToText } from './html-to-text.js';

/**
 * A Matrix event pushed by the homeserver, parsed into what the bridge does with it. Everything
 * is checked before anything acts on it (STYLE.md §5 "parse everything before touching state"):
 * a malformed event throws MatrixEventError naming the field; an event the bridge does not
 * handle is `ignore`, and one it cannot bridge is `unsupported` so the room gets a notice.
 */

export type MatrixInput =
  | { readonly t: 'message'; readonly roomId: string; readonly eventId: string; readonly sender: string; readonly message: FrontendMessage; readonly replyTo?: string; readonly editOf?: string }
  | { readonly t: 'reaction'; readonly roomId: string; readonly eventId: string; readonly sender: string; readonly key: string; readonly target: string }
  /** `redacts`: the event deleted (top level before room version 11, in content since). */
  | { readonly t: 'redaction'; readonly roomId: string; readonly eventId: string; readonly sender: string; readonly redacts: string }
  /** A file in the media repository (m.image, m.file, m.audio, m.video); `sizeBytes` is what the
   *  sender claims (info.size), checked against the limit before fetching. */
  | { readonly t: 'file'; readonly roomId: string; readonly eventId: string; readonly sender: string; readonly url: string; readonly name: string; readonly mimetype: string; readonly sizeBytes?: number }
  /** Something people expect to be bridged and is not (yet); `what` names it in the notice. */
  | { readonly t: 'unsupported'; readonly roomId: string; readonly eventId: string; readonly sender: string; readonly what: string }
  /** m.room.encryption, or an m.room.encrypted event: the room is encrypted. */
  | { readonly t: 'encrypted'; readonly roomId: string; readonly sender: string }
  | { readonly t: 'member'; readonly roomId: string; readonly sender: string; readonly userId: string; readonly membership: string; readonly displayName?: string; readonly isDirect: boolean }
  | { readonly t: 'ignore' };

const TEXT_TYPES: Record<string, TextKind> = { 'm.text': 'text', 'm.notice': 'notice', 'm.emote': 'emote' };
const FILE_TYPES = new Set(['m.image', 'm.file', 'm.audio', 'm.video']);
// What cannot be bridged gets a notice naming it (an encrypted file has `file`, not `url`).
const MEDIA_TYPES: Record<string, string> = { 'm.image': 'an encrypted image', 'm.file': 'an encrypted file', 'm.audio': 'an encrypted audio message', 'm.video': 'an encrypted video', 'm.location': 'a location' };

/** Longest text bridged; Matrix events are capped at 64 KiB anyway. */
export const MAX_TEXT_CHARS = 32_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) throw new MatrixEventError('bad_event', field, `expected non-empty text, got ${v === undefined ? 'nothing' : typeof v}`);
  return v;
}

function optStr(o: Obj, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new MatrixEventError('bad_content', field, `expected text, got ${typeof v}`);
  return v;
}

/** Spec "Fallbacks for rich replies": a body that starts with "> " lines and then an empty line
 *  quotes the message replied to; the relation replaces it, so it is cut. */
export function stripReplyFallback(body: string): string {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('>')) i++;
  if (i === 0) return body;
  if (i < lines.length && lines[i] === '') i++;
  return lines.slice(i).join('\n');
}

function cap(text: string): string {
  return text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS - 1)}…` : text;
}

/** The readable text of message content: the HTML form when there is one (it carries link
 *  targets, lists and mention names), else the plain body. */
function textOf(content: Obj, field: string, isReply: boolean): string {
  const body = str(content, 'body', `${field}.body`);
  const format = optStr(content, 'format', `${field}.format`);
  const html = optStr(content, 'formatted_body', `${field}.formatted_body`);
  if (format === 'org.matrix.custom.html' && html !== undefined) {
    const text = htmlToText(html);
    if (text.trim() !== '') return cap(text);
  }
  return cap(isReply ? stripReplyFallback(body) : body);
}

function relation(content: Obj): { replyTo?: string; replaces?: string } {
  const rel = content['m.relates_to'];
  if (rel === undefined) return {};
  if (!isObj(rel)) throw new MatrixEventError('bad_relation', 'content.m.relates_to', 'expected an object');
  if (rel['rel_type'] === 'm.replace') return { replaces: str(rel, 'event_id', 'content.m.relates_to.event_id') };
  const reply = rel['m.in_reply_to'];
  if (reply !== undefined) {
    if (!isObj(reply)) throw new MatrixEventError('bad_relation', 'content.m.relates_to.m.in_reply_to', 'expected an object');
    return { replyTo: str(reply, 'event_id', 'content.m.relates_to.m.in_reply_to.event_id') };
  }
  return {}; // threads and other relations: shown as plain messages
}

function message(base: { roomId: string; eventId: string; sender: string }, content: Obj): MatrixInput {
  const msgtype = content['msgtype'];
  const rel = relation(content);
  if (rel.replaces !== undefined) {
    const next = content['m.new_content'];
    if (!isObj(next)) throw new MatrixEventError('bad_content', 'content.m.new_content', 'an edit needs m.new_content');
    const kind = TEXT_TYPES[String(next['msgtype'])];
    if (!kind) return { t: 'unsupported', ...base, what: 'an edit of a non-text message' };
    return { t: 'message', ...base, message: { kind, text: textOf(next, 'content.m.new_content', false) }, editOf: rel.replaces };
  }
  if (typeof msgtype !== 'string') throw new MatrixEventError('bad_content', 'content.msgtype', 'expected text');
  const kind = TEXT_TYPES[msgtype];
  if (kind) {
    const text = textOf(content, 'content', rel.replyTo !== undefined);
    return { t: 'message', ...base, message: { kind, text }, ...(rel.replyTo ? { replyTo: rel.replyTo } : {}) };
  }
  if (FILE_TYPES.has(msgtype) && typeof content['url'] === 'string') {
    const url = content['url'];
    if (!/^mxc:\/\/[^/]+\/[^/]+$/.test(url)) throw new MatrixEventError('bad_content', 'content.url', 'expected an mxc:// URI');
    const info = isObj(content['info']) ? content['info'] : {};
    const name = optStr(content, 'filename', 'content.filename') ?? str(content, 'body', 'content.body');
    const size = info['size'];
    return {
      t: 'file',
      ...base,
      url,
      name,
      mimetype: typeof info['mimetype'] === 'string' ? info['mimetype'] : 'application/octet-stream',
      ...(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? { sizeBytes: size } : {}),
    };
  }
  return { t: 'unsupported', ...base, what: MEDIA_TYPES[msgtype] ?? `a message of type ${msgtype.slice(0, 40)}` };
}

/** Parses one event from an appservice transaction. */
export function parseEvent(raw: unknown): MatrixInput {
  if (!isObj(raw)) throw new MatrixEventError('bad_event', 'event', 'expected an object');
  const type = str(raw, 'type', 'type');
  const roomId = str(raw, 'room_id', 'room_id');
  const sender = str(raw, 'sender', 'sender');
  const content = raw['content'];
  if (!isObj(content)) throw new MatrixEventError('bad_event', 'content', 'expected an object');
  const stateKey = raw['state_key'];
  switch (type) {
    case 'm.room.encryption':
      return stateKey === '' ? { t: 'encrypted', roomId, sender } : { t: 'ignore' };
    case 'm.room.encrypted':
      return { t: 'encrypted', roomId, sender };
    case 'm.room.member': {
      if (typeof stateKey !== 'string' || stateKey === '') throw new MatrixEventError('bad_event', 'state_key', 'a member event needs the user id');
      const membership = str(content, 'membership', 'content.membership');
      const name = content['displayname'];
      return {
        t: 'member',
        roomId,
        sender,
        userId: stateKey,
        membership,
        ...(typeof name === 'string' && name.trim() !== '' ? { displayName: name } : {}),
        isDirect: content['is_direct'] === true,
      };
    }
    case 'm.room.message':
    case 'm.sticker':
    case 'm.reaction':
    case 'm.room.redaction':
      break;
    default:
      return { t: 'ignore' };
  }
  const base = { roomId, eventId: str(raw, 'event_id', 'event_id'), sender };
  switch (type) {
    case 'm.room.message':
      return message(base, content);
    case 'm.sticker':
      return { t: 'unsupported', ...base, what: 'a sticker' };
    case 'm.reaction': {
      const rel = content['m.relates_to'];
      if (!isObj(rel)) throw new MatrixEventError('bad_relation', 'content.m.relates_to', 'a reaction needs a relation');
      return { t: 'reaction', ...base, key: cap(str(rel, 'key', 'content.m.relates_to.key')), target: str(rel, 'event_id', 'content.m.relates_to.event_id') };
    }
    default: {
      const redacts = typeof raw['redacts'] === 'string' ? raw['redacts'] : content['redacts'];
      if (typeof redacts !== 'string' || redacts === '') throw new MatrixEventError('bad_event', 'redacts', 'a redaction needs the redacted event id');
      return { t: 'redaction', ...base, redacts };
    }
  }
}
