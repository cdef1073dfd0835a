import type { CborEncodable, CborValue } from './cbor.js';
import { ROOT_KEY_BYTES } from './constants.js';
import { WireError, at } from './errors.js';
import { asBytes, asText, asU64, asUint, optional, textKeyMap } from './fields.js';
import { checkDisplayName, codePointLength } from './names.js';

/*
 * Bridge extensions: extra top-level keys on TEXT messages (msg_type 0).
 *
 * Why keys and not new types: katzenqt ignores unknown keys (pydantic extra='ignore', vector
 * decode_only_text_with_extra_keys) but drops unknown msg_type values, and a type >= 10 could
 * collide with a future katzenqt type (group-chat-wire.md §2, "Extensions the bridge wants").
 * The draft (seeds/katzenpost-group-chat-draft.md) has no such fields; katzenqt has no sender,
 * id, reply, edit or timestamp (§1.1, §3.2 item 7). The names follow the shared vector's
 * `x-bridge-` prefix, so they cannot clash with katzenqt's snake_case keys.
 *
 *   key                 CBOR     meaning
 *   x-bridge-sender     text     the relayed author's display name (1..30 code points, no
 *                                `:substream:` prefix) when one stream speaks for many people
 *   x-bridge-ts         uint     the original send time, Unix seconds (as the vector has it)
 *   x-bridge-msgid      bytes    1..64 bytes; we send 16 random bytes, unique per message
 *   x-bridge-reply-to   map      MessageRef of the message replied to
 *   x-bridge-edit-of    map      MessageRef of the message this one replaces
 *   x-bridge-body-at    uint     UTF-8 byte offset in `text` where the body starts; the bytes
 *                                before it are the fallback written for katzenqt readers
 *
 *   MessageRef = { "id"?: bytes (the target's x-bridge-msgid),
 *                  "author"?: bytes(32) (root key of the target's stream, read_cap[0:32]),
 *                  "box"?: uint (u64 counter of the box the target was read from; for a large
 *                               message, the counter of its 'I' box) }
 *   with "id", or "author" and "box" together (katzenqt messages have no id, wire §1.13, so
 *   (stream, counter) is the only way to name them).
 *
 * Fallback text a katzenqt user reads (it shows only `text`):
 *   [> <quoted author> first line of the quoted body\n]  when replying
 *   [<sender> ]                                          when relaying for someone (wire §2)
 *   [* ]                                                 when editing
 *   body
 * A malformed extension key is dropped with a warning; the message (and its readable text) is
 * kept, since katzenqt users see it too.
 */

export const EXT_KEYS = {
  senderName: 'x-bridge-sender',
  originTsSec: 'x-bridge-ts',
  msgId: 'x-bridge-msgid',
  replyTo: 'x-bridge-reply-to',
  editOf: 'x-bridge-edit-of',
  bodyAt: 'x-bridge-body-at',
} as const;

const MAX_MSG_ID_BYTES = 64;
const QUOTE_MAX_CODE_POINTS = 80;

export interface MessageRef {
  readonly msgId?: Uint8Array;
  readonly author?: Uint8Array;
  readonly boxCounter?: bigint;
}

export interface BridgeExtensions {
  readonly senderName?: string;
  readonly originTsSec?: number;
  readonly msgId?: Uint8Array;
  readonly replyTo?: MessageRef;
  readonly editOf?: MessageRef;
  readonly bodyAt?: number;
}

/** The extension keys to append after the katzenqt keys, in EXT_KEYS order. Throws WireError on a
 *  value the rules above forbid. */
export function extensionEntries(ext: BridgeExtensions, text: string): Array<[string, CborEncodable]> {
  const out: Array<[string, CborEncodable]> = [];
  if (ext.senderName !== undefined) out.push([EXT_KEYS.senderName, checkDisplayName(ext.senderName, EXT_KEYS.senderName)]);
  if (ext.originTsSec !== undefined) {
    if (!Number.isSafeInteger(ext.originTsSec) || ext.originTsSec < 0) throw new RangeError('originTsSec: expected a non-negative integer');
    out.push([EXT_KEYS.originTsSec, ext.originTsSec]);
  }
  if (ext.msgId !== undefined) out.push([EXT_KEYS.msgId, checkMsgId(ext.msgId, EXT_KEYS.msgId)]);
  if (ext.replyTo !== undefined) out.push([EXT_KEYS.replyTo, encodeRef(ext.replyTo, EXT_KEYS.replyTo)]);
  if (ext.editOf !== undefined) out.push([EXT_KEYS.editOf, encodeRef(ext.editOf, EXT_KEYS.editOf)]);
  if (ext.bodyAt !== undefined) out.push([EXT_KEYS.bodyAt, checkBodyAt(ext.bodyAt, text, EXT_KEYS.bodyAt)]);
  return out;
}

/** Reads our keys from a TEXT message map; each bad key becomes a warning and is left out. */
export function decodeExtensions(
  map: Map<string, CborValue>,
  text: string | undefined,
  warnings: WireError[],
): BridgeExtensions | undefined {
  const ext: { -readonly [K in keyof BridgeExtensions]: BridgeExtensions[K] } = {};
  const take = <T>(key: string, read: (v: CborValue) => T): T | undefined => {
    const v = optional(map, key);
    if (v === undefined) return undefined;
    try {
      return read(v);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      warnings.push(new WireError('bad_extension', e.path, `${e.message} (extension ignored)`, { cause: e }));
      return undefined;
    }
  };
  const senderName = take(EXT_KEYS.senderName, (v) => checkDisplayName(asText(v, EXT_KEYS.senderName), EXT_KEYS.senderName));
  if (senderName !== undefined) ext.senderName = senderName;
  const ts = take(EXT_KEYS.originTsSec, (v) => asUint(v, EXT_KEYS.originTsSec));
  if (ts !== undefined) ext.originTsSec = ts;
  const msgId = take(EXT_KEYS.msgId, (v) => checkMsgId(asBytes(v, EXT_KEYS.msgId), EXT_KEYS.msgId));
  if (msgId !== undefined) ext.msgId = msgId;
  const replyTo = take(EXT_KEYS.replyTo, (v) => decodeRef(v, EXT_KEYS.replyTo));
  if (replyTo !== undefined) ext.replyTo = replyTo;
  const editOf = take(EXT_KEYS.editOf, (v) => decodeRef(v, EXT_KEYS.editOf));
  if (editOf !== undefined) ext.editOf = editOf;
  const bodyAt = take(EXT_KEYS.bodyAt, (v) => checkBodyAt(asUint(v, EXT_KEYS.bodyAt), text ?? '', EXT_KEYS.bodyAt));
  if (bodyAt !== undefined) ext.bodyAt = bodyAt;
  return Object.keys(ext).length > 0 ? ext : undefined;
}

function checkMsgId(id: Uint8Array, path: string): Uint8Array {
  if (!(id instanceof Uint8Array)) throw new TypeError(`${path}: expected Uint8Array`);
  if (id.length < 1 || id.length > MAX_MSG_ID_BYTES) {
    throw new WireError('bad_extension', path, `message id must be 1..${MAX_MSG_ID_BYTES} bytes, got ${id.length}`);
  }
  return id;
}

function encodeRef(ref: MessageRef, path: string): CborEncodable {
  checkRef(ref, path);
  const m = new Map<string, CborEncodable>();
  if (ref.msgId !== undefined) m.set('id', ref.msgId);
  if (ref.author !== undefined) m.set('author', ref.author);
  if (ref.boxCounter !== undefined) m.set('box', ref.boxCounter);
  return m;
}

function decodeRef(value: CborValue, path: string): MessageRef {
  const map = textKeyMap(value, path);
  const ref: { -readonly [K in keyof MessageRef]: MessageRef[K] } = {};
  const id = optional(map, 'id');
  if (id !== undefined) ref.msgId = asBytes(id, at(path, 'id'));
  const author = optional(map, 'author');
  if (author !== undefined) ref.author = asBytes(author, at(path, 'author'));
  const box = optional(map, 'box');
  if (box !== undefined) ref.boxCounter = asU64(box, at(path, 'box'));
  checkRef(ref, path);
  return ref;
}

function checkRef(ref: MessageRef, path: string): void {
  if (ref.msgId !== undefined) checkMsgId(ref.msgId, at(path, 'id'));
  if (ref.author !== undefined && ref.author.length !== ROOT_KEY_BYTES) {
    throw new WireError('bad_extension', at(path, 'author'), `expected ${ROOT_KEY_BYTES} bytes, got ${ref.author.length}`);
  }
  if (ref.boxCounter !== undefined && (ref.boxCounter < 0n || ref.boxCounter > 0xffffffffffffffffn)) {
    throw new WireError('bad_extension', at(path, 'box'), 'counter outside 0..2^64-1');
  }
  const byPosition = ref.author !== undefined && ref.boxCounter !== undefined;
  if ((ref.author === undefined) !== (ref.boxCounter === undefined)) {
    throw new WireError('bad_extension', path, 'author and box must come together');
  }
  if (ref.msgId === undefined && !byPosition) throw new WireError('bad_extension', path, 'needs id, or author and box');
}

const utf8 = new TextEncoder();

/** bodyAt must fall inside `text` on a code point boundary (never inside a UTF-8 sequence). */
function checkBodyAt(bodyAt: number, text: string, path: string): number {
  if (!Number.isSafeInteger(bodyAt) || bodyAt < 0) throw new WireError('bad_extension', path, 'expected a non-negative integer');
  const bytes = utf8.encode(text);
  if (bodyAt > bytes.length) throw new WireError('bad_extension', path, `offset ${bodyAt} beyond the ${bytes.length}-byte text`);
  if (bodyAt < bytes.length && (bytes[bodyAt]! & 0xc0) === 0x80) {
    throw new WireError('bad_extension', path, `offset ${bodyAt} is inside a UTF-8 sequence`);
  }
  return bodyAt;
}

export interface BridgedTextInput {
  /** What the author wrote. */
  readonly body: string;
  /** The relayed author's name (already sanitised, see sanitizeDisplayName). */
  readonly senderName?: string;
  readonly reply?: { readonly ref: MessageRef; readonly quotedSender?: string; readonly quotedBody?: string };
  readonly editOf?: MessageRef;
  readonly msgId?: Uint8Array;
  readonly originTsSec?: number;
}

/** Builds a TEXT's `text` (fallback + body) and its extensions, so katzenqt users read sensible text. */
export function composeBridgedText(input: BridgedTextInput): { text: string; bridge: BridgeExtensions } {
  let prefix = '';
  if (input.reply) {
    const who = input.reply.quotedSender ? `<${input.reply.quotedSender}> ` : '';
    prefix += `> ${who}${quoteLine(input.reply.quotedBody ?? '')}\n`;
  }
  if (input.senderName !== undefined) prefix += `<${input.senderName}> `;
  if (input.editOf) prefix += '* ';
  const bridge: { -readonly [K in keyof BridgeExtensions]: BridgeExtensions[K] } = {};
  if (input.senderName !== undefined) bridge.senderName = input.senderName;
  if (input.originTsSec !== undefined) bridge.originTsSec = input.originTsSec;
  if (input.msgId !== undefined) bridge.msgId = input.msgId;
  if (input.reply) bridge.replyTo = input.reply.ref;
  if (input.editOf) bridge.editOf = input.editOf;
  if (prefix.length > 0) bridge.bodyAt = utf8.encode(prefix).length;
  return { text: prefix + input.body, bridge };
}

function quoteLine(body: string): string {
  const first = body.split('\n', 1)[0] ?? '';
  if (codePointLength(first) <= QUOTE_MAX_CODE_POINTS && first === body) return first;
  return `${Array.from(first).slice(0, QUOTE_MAX_CODE_POINTS).join('')}…`;
}

/** The body of a TEXT without the fallback: after x-bridge-body-at, or after a `<sender> `
 *  prefix when only x-bridge-sender is set (the vector's form), else the whole text. */
export function bodyOf(message: { readonly text?: string; readonly bridge?: BridgeExtensions }): string {
  const text = message.text ?? '';
  const ext = message.bridge;
  if (ext?.bodyAt !== undefined) return new TextDecoder().decode(utf8.encode(text).subarray(ext.bodyAt));
  if (ext?.senderName !== undefined && text.startsWith(`<${ext.senderName}> `)) return text.slice(ext.senderName.length + 3);
  return text;
}
