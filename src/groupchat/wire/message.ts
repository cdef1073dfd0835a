import { decodeCborFirst, encodeCbor, type CborEncodable, type CborValue } from './cbor.js';
import { DEFAULT_CAP_CHECK, checkReadCap, type CapCheck } from './caps.js';
import { MAX_FILE_BYTES, MAX_MSG_TYPE, MEMBERSHIP_HASH_BYTES } from './constants.js';
import { WireError, at } from './errors.js';
import { decodeExtensions, extensionEntries } from './extensions.js';
import { asBytes, asText, asUint, kindOf, optional, required, textKeyMap } from './fields.js';
import { checkMembershipHash, type MembershipCheck } from './membership.js';
import { MsgType, isTallyType, type FileUpload, type GroupChatMessage, type PleaseAdd, type Tally } from './message-types.js';
import { checkDisplayName } from './names.js';

/**
 * The GroupChatMessage codec (group-chat-wire.md §1.5, §1.6, §1.11).
 * Encoding reproduces cbor2.dumps(model_dump(exclude_none=True)) byte for byte: keys in the
 * model's order, unset fields left out, then our x-bridge-* keys (extensions.ts).
 * Decoding follows katzenqt's model: required `version` and `membership_hash`, `msg_type`
 * inferred when absent, unknown keys ignored at every level, only the first CBOR item read.
 */

export interface CodecOptions {
  /** How read caps are checked (caps.ts). Default 'strict'. */
  readonly capCheck?: CapCheck;
  /** Largest file_upload payload; default MAX_FILE_BYTES (200 MiB, wire §1.6). */
  readonly maxFileBytes?: number;
}

export interface DecodeOptions extends CodecOptions {
  /** Our current v1 membership hash, to report whether the sender agrees (never a reason to drop). */
  readonly expectedMembershipHash?: Uint8Array;
}

export interface DecodedMessage {
  readonly message: GroupChatMessage;
  readonly membership: MembershipCheck;
  /** Bytes after the first CBOR item. katzenqt ignores them silently (wire §1.4: a SendOperation
   *  with several messages loses all but the first); we report how many. */
  readonly trailingBytes: number;
  /** Problems that did not cost the message (a malformed x-bridge-* key). */
  readonly warnings: readonly WireError[];
}

export type DecodeOutcome = { readonly ok: true; readonly value: DecodedMessage } | { readonly ok: false; readonly error: WireError };

/** Decodes one assembled chain's CBOR. Throws WireError when katzenqt would drop the message
 *  (and in the stricter cases listed in caps.ts / names.ts); any other exception is a bug.
 *  Byte fields (hash, caps, file payload) are views into `cbor`, not copies: a 200 MiB file is
 *  not held twice. The reassembler hands out fresh buffers, so nothing else aliases them. */
export function decodeGroupChatMessage(cbor: Uint8Array, options: DecodeOptions = {}): DecodedMessage {
  if (!(cbor instanceof Uint8Array)) throw new TypeError('cbor: expected Uint8Array');
  const capCheck = options.capCheck ?? DEFAULT_CAP_CHECK;
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  const { value, end } = decodeCborFirst(cbor);
  const map = textKeyMap(value, '');

  const version = asUint(required(map, 'version', ''), 'version');
  const membershipHash = asBytes(required(map, 'membership_hash', ''), 'membership_hash');
  if (membershipHash.length !== MEMBERSHIP_HASH_BYTES) {
    throw new WireError('bad_hash_length', 'membership_hash', `expected ${MEMBERSHIP_HASH_BYTES} bytes, got ${membershipHash.length}`);
  }

  const out: { -readonly [K in keyof GroupChatMessage]: GroupChatMessage[K] } = {
    version,
    membershipHash,
    msgType: MsgType.TEXT,
  };
  const text = optional(map, 'text');
  if (text !== undefined) out.text = asText(text, 'text');
  const intro = optional(map, 'introduction');
  if (intro !== undefined) out.introduction = decodePleaseAdd(intro, 'introduction', capCheck);
  const file = optional(map, 'file_upload');
  if (file !== undefined) out.fileUpload = decodeFileUpload(file, 'file_upload', maxFileBytes);
  const who = optional(map, 'who');
  if (who !== undefined) out.who = asText(who, 'who');
  const replyWho = optional(map, 'reply_who');
  if (replyWho !== undefined) out.replyWho = asText(replyWho, 'reply_who');
  const tally = optional(map, 'tally');
  if (tally !== undefined) out.tally = decodeTally(tally, 'tally');
  out.msgType = decodeMsgType(optional(map, 'msg_type'), out);

  const warnings: WireError[] = [];
  if (out.msgType === MsgType.TEXT) {
    const bridge = decodeExtensions(map, out.text, warnings);
    if (bridge) out.bridge = bridge;
  }
  return {
    message: out,
    membership: checkMembershipHash(membershipHash, options.expectedMembershipHash),
    trailingBytes: cbor.length - end,
    warnings,
  };
}

/** The same, as a value: what a reader records before moving its cursor on. */
export function tryDecodeGroupChatMessage(cbor: Uint8Array, options: DecodeOptions = {}): DecodeOutcome {
  try {
    return { ok: true, value: decodeGroupChatMessage(cbor, options) };
  } catch (e) {
    if (e instanceof WireError) return { ok: false, error: e };
    throw e;
  }
}

/** msg_type 0..9; when absent, katzenqt infers it from the payload field present (wire §1.5). */
function decodeMsgType(value: CborValue | undefined, m: Partial<GroupChatMessage>): MsgType {
  if (value === undefined) {
    if (m.introduction) return MsgType.INTRODUCTION;
    if (m.fileUpload) return MsgType.FILE_UPLOAD;
    if (m.who !== undefined) return MsgType.WHO;
    if (m.replyWho !== undefined) return MsgType.REPLY_WHO;
    return MsgType.TEXT;
  }
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw new WireError('wrong_type', 'msg_type', `expected an integer, got ${kindOf(value)}`);
  }
  if (typeof value === 'bigint' || value < 0 || value > MAX_MSG_TYPE) {
    throw new WireError('unknown_msg_type', 'msg_type', `${value} is not a message type (0..${MAX_MSG_TYPE})`);
  }
  return value as MsgType;
}

export function decodePleaseAdd(value: CborValue, path: string, capCheck: CapCheck): PleaseAdd {
  const map = textKeyMap(value, path);
  const displayName = checkDisplayName(asText(required(map, 'display_name', path), at(path, 'display_name')), at(path, 'display_name'));
  const readCap = checkReadCap(asBytes(required(map, 'read_cap', path), at(path, 'read_cap')), at(path, 'read_cap'), capCheck);
  return { displayName, readCap };
}

function decodeFileUpload(value: CborValue, path: string, maxFileBytes: number): FileUpload {
  const map = textKeyMap(value, path);
  const payload = asBytes(required(map, 'payload', path), at(path, 'payload'));
  if (payload.length > maxFileBytes) {
    throw new WireError('file_too_large', at(path, 'payload'), `${payload.length} bytes is above the ${maxFileBytes}-byte limit`);
  }
  const filetype = asText(required(map, 'filetype', path), at(path, 'filetype'));
  const basename = asText(required(map, 'basename', path), at(path, 'basename'));
  return { payload, filetype, basename };
}

function decodeTally(value: CborValue, path: string): Tally {
  const map = textKeyMap(value, path);
  const surveyId = asBytes(required(map, 'survey_id', path), at(path, 'survey_id'));
  if (surveyId.length < 1) throw new WireError('bad_value', at(path, 'survey_id'), 'must not be empty');
  const v = optional(map, 'version');
  const tally: { -readonly [K in keyof Tally]: Tally[K] } = { surveyId, version: v === undefined ? 0 : asUint(v, at(path, 'version')) };
  const choice = optional(map, 'choice');
  if (choice !== undefined) {
    const cmap = textKeyMap(choice, at(path, 'choice'));
    const out = new Map<string, string>();
    for (const [k, cv] of cmap) out.set(k, asText(cv, at(at(path, 'choice'), k)));
    tally.choice = out;
  }
  const crdt = optional(map, 'crdt');
  if (crdt !== undefined) tally.crdt = asBytes(crdt, at(path, 'crdt'));
  return tally;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** The payload key each type must carry, and only that one (wire §1.5: one payload key). */
function payloadKeyOf(t: MsgType): keyof GroupChatMessage {
  if (isTallyType(t)) return 'tally';
  const keys: readonly (keyof GroupChatMessage)[] = ['text', 'introduction', 'fileUpload', 'who', 'replyWho'];
  return keys[t]!;
}
const PAYLOAD_FIELDS = ['text', 'introduction', 'fileUpload', 'who', 'replyWho', 'tally'] as const;

/**
 * Encodes a message exactly as katzenqt would (plus our extension keys on TEXT). Throws
 * TypeError/RangeError for a malformed message object, WireError for a value the wire rules
 * forbid (a bad display name or cap, an oversized file, a wrong-length hash).
 */
export function encodeGroupChatMessage(message: GroupChatMessage, options: CodecOptions = {}): Uint8Array {
  const capCheck = options.capCheck ?? DEFAULT_CAP_CHECK;
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  const { version, membershipHash, msgType } = message;
  if (!Number.isSafeInteger(version) || version < 0) throw new RangeError('version: expected a non-negative integer');
  if (!(membershipHash instanceof Uint8Array)) throw new TypeError('membershipHash: expected Uint8Array');
  if (membershipHash.length !== MEMBERSHIP_HASH_BYTES) {
    throw new WireError('bad_hash_length', 'membership_hash', `expected ${MEMBERSHIP_HASH_BYTES} bytes, got ${membershipHash.length}`);
  }
  if (!Number.isInteger(msgType) || msgType < 0 || msgType > MAX_MSG_TYPE) {
    throw new WireError('unknown_msg_type', 'msg_type', `${String(msgType)} is not a message type (0..${MAX_MSG_TYPE})`);
  }
  const wanted = payloadKeyOf(msgType);
  for (const f of PAYLOAD_FIELDS) {
    if ((message[f] !== undefined) !== (f === wanted)) {
      throw new RangeError(`message: msg_type ${msgType} carries exactly the ${wanted} field (found ${f === wanted ? 'none' : f})`);
    }
  }
  if (message.bridge !== undefined && msgType !== MsgType.TEXT) throw new RangeError('bridge: extensions ride on TEXT only');

  const m = new Map<string, CborEncodable>([
    ['version', version],
    ['membership_hash', membershipHash],
    ['msg_type', msgType],
  ]);
  if (message.text !== undefined) m.set('text', text(message.text, 'text'));
  if (message.introduction !== undefined) m.set('introduction', encodePleaseAdd(message.introduction, 'introduction', capCheck));
  if (message.fileUpload !== undefined) m.set('file_upload', encodeFileUpload(message.fileUpload, maxFileBytes));
  if (message.who !== undefined) m.set('who', text(message.who, 'who'));
  if (message.replyWho !== undefined) m.set('reply_who', text(message.replyWho, 'reply_who'));
  if (message.tally !== undefined) m.set('tally', encodeTally(message.tally));
  if (message.bridge !== undefined) {
    for (const [k, v] of extensionEntries(message.bridge, message.text ?? '')) m.set(k, v);
  }
  return encodeCbor(m);
}

function text(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new TypeError(`${name}: expected a string`);
  return v;
}

function bytes(v: unknown, name: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array`);
  return v;
}

export function encodePleaseAdd(p: PleaseAdd, path: string, capCheck: CapCheck): Map<string, CborEncodable> {
  const name = checkDisplayName(text(p.displayName, at(path, 'displayName')), at(path, 'display_name'));
  const cap = checkReadCap(bytes(p.readCap, at(path, 'readCap')), at(path, 'read_cap'), capCheck);
  return new Map<string, CborEncodable>([
    ['display_name', name],
    ['read_cap', cap],
  ]);
}

function encodeFileUpload(f: FileUpload, maxFileBytes: number): Map<string, CborEncodable> {
  const payload = bytes(f.payload, 'fileUpload.payload');
  if (payload.length > maxFileBytes) {
    throw new WireError('file_too_large', 'file_upload.payload', `${payload.length} bytes is above the ${maxFileBytes}-byte limit`);
  }
  return new Map<string, CborEncodable>([
    ['payload', payload],
    ['filetype', text(f.filetype, 'fileUpload.filetype')],
    ['basename', text(f.basename, 'fileUpload.basename')],
  ]);
}

function encodeTally(t: Tally): Map<string, CborEncodable> {
  const surveyId = bytes(t.surveyId, 'tally.surveyId');
  if (surveyId.length < 1) throw new RangeError('tally.surveyId: must not be empty');
  if (!Number.isSafeInteger(t.version) || t.version < 0) throw new RangeError('tally.version: expected a non-negative integer');
  const m = new Map<string, CborEncodable>([
    ['survey_id', surveyId],
    ['version', t.version],
  ]);
  if (t.choice !== undefined) {
    const c = new Map<string, CborEncodable>();
    for (const [k, v] of t.choice) c.set(text(k, 'tally.choice key'), text(v, 'tally.choice value'));
    m.set('choice', c);
  }
  if (t.crdt !== undefined) m.set('crdt', bytes(t.crdt, 'tally.crdt'));
  return m;
}
