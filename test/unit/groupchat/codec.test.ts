import { strict as assert } from 'node:assert';
import {
  EXT_KEYS,
  MEMBERSHIP_HASH_TODO,
  MsgType,
  WireError,
  bodyOf,
  checkMembershipHash,
  composeBridgedText,
  decodeGroupChatMessage,
  decodePleaseAddList,
  encodeGroupChatMessage,
  encodePleaseAddList,
  membershipHashV1,
  safeBasename,
  sanitizeDisplayName,
  tryDecodeGroupChatMessage,
  type GroupChatMessage,
  type WireErrorCode,
} from '../../../src/groupchat/index.js';
import { encodeCbor, type CborEncodable } from '../../../src/groupchat/wire/cbor.js';
import { fakeCap, realReadCap, textMessage } from './support.js';

function wireMap(entries: Array<[string, CborEncodable]>): Uint8Array {
  return encodeCbor(new Map(entries));
}
const BASE: Array<[string, CborEncodable]> = [
  ['version', 0],
  ['membership_hash', MEMBERSHIP_HASH_TODO],
];

function rejects(fn: () => unknown, code: WireErrorCode, path?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof WireError, `expected WireError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (path !== undefined) assert.equal(e.path, path);
    return true;
  });
}

describe('groupchat wire: message codec rules (group-chat-wire.md §1.5-§1.8)', () => {
  it('infers msg_type from the payload field when absent, as katzenqt does', () => {
    const intro = new Map<string, CborEncodable>([['display_name', 'bob'], ['read_cap', realReadCap()]]);
    assert.equal(decodeGroupChatMessage(wireMap([...BASE, ['introduction', intro]])).message.msgType, MsgType.INTRODUCTION);
    assert.equal(decodeGroupChatMessage(wireMap([...BASE, ['who', 'x']])).message.msgType, MsgType.WHO);
    assert.equal(decodeGroupChatMessage(wireMap([...BASE, ['reply_who', 'x']])).message.msgType, MsgType.REPLY_WHO);
    assert.equal(decodeGroupChatMessage(wireMap([...BASE, ['text', 'x']])).message.msgType, MsgType.TEXT);
  });

  it('accepts any version >= 0, a null optional field, and ignores acks and unknown keys', () => {
    const d = decodeGroupChatMessage(wireMap([['version', 7], ['membership_hash', MEMBERSHIP_HASH_TODO], ['msg_type', 0], ['text', 'hi'], ['who', null], ['acks', new Uint8Array(3)], ['zz', [1, 2]]]));
    assert.equal(d.message.version, 7);
    assert.equal(d.message.who, undefined);
    assert.deepEqual(Object.keys(d.message).sort(), ['membershipHash', 'msgType', 'text', 'version']);
  });

  it('coerces a UTF-8 byte string used as text (pydantic lax str) but not invalid UTF-8', () => {
    assert.equal(decodeGroupChatMessage(wireMap([...BASE, ['text', new TextEncoder().encode('é')]])).message.text, 'é');
    rejects(() => decodeGroupChatMessage(wireMap([...BASE, ['text', Uint8Array.of(0xff)]])), 'invalid_utf8', 'text');
  });

  it('names the field of each rejection', () => {
    rejects(() => decodeGroupChatMessage(encodeCbor([1])), 'not_a_map', '');
    rejects(() => decodeGroupChatMessage(wireMap([['membership_hash', MEMBERSHIP_HASH_TODO]])), 'missing_field', 'version');
    rejects(() => decodeGroupChatMessage(wireMap([['version', 0]])), 'missing_field', 'membership_hash');
    rejects(() => decodeGroupChatMessage(wireMap([['version', -1], ['membership_hash', MEMBERSHIP_HASH_TODO]])), 'bad_value', 'version');
    rejects(() => decodeGroupChatMessage(wireMap([...BASE, ['msg_type', 10]])), 'unknown_msg_type', 'msg_type');
    rejects(() => decodeGroupChatMessage(wireMap([...BASE, ['msg_type', 'TEXT']])), 'wrong_type', 'msg_type');
    rejects(() => decodeGroupChatMessage(wireMap([['version', 0], ['membership_hash', new Uint8Array(33)]])), 'bad_hash_length', 'membership_hash');
    const nonText = Uint8Array.of(0xa1, 0x01, 0x02); // {1: 2}
    rejects(() => decodeGroupChatMessage(nonText), 'non_text_key');
    const badFile = new Map<string, CborEncodable>([['payload', 'not bytes'], ['filetype', 'x'], ['basename', 'y']]);
    rejects(() => decodeGroupChatMessage(wireMap([...BASE, ['file_upload', badFile]])), 'wrong_type', 'file_upload.payload');
    const noSurvey = new Map<string, CborEncodable>([['version', 1]]);
    rejects(() => decodeGroupChatMessage(wireMap([...BASE, ['msg_type', 6], ['tally', noSurvey]])), 'missing_field', 'tally.survey_id');
  });

  it('rejects an invalid cap in an introduction: wrong length always, off-curve in strict mode', () => {
    const intro = (cap: Uint8Array) => wireMap([...BASE, ['introduction', new Map<string, CborEncodable>([['display_name', 'bob'], ['read_cap', cap]])]]);
    rejects(() => decodeGroupChatMessage(intro(new Uint8Array(135)), { capCheck: 'length' }), 'invalid_cap', 'introduction.read_cap');
    rejects(() => decodeGroupChatMessage(intro(fakeCap(0x10))), 'invalid_cap', 'introduction.read_cap');
    assert.equal(decodeGroupChatMessage(intro(fakeCap(0x10)), { capCheck: 'length' }).message.introduction?.displayName, 'bob');
    const cap = realReadCap();
    assert.deepEqual(decodeGroupChatMessage(intro(cap)).message.introduction?.readCap, cap);
  });

  it('applies the display-name rules: 1..30 code points, no :substream: prefix', () => {
    const intro = (name: string) => wireMap([...BASE, ['introduction', new Map<string, CborEncodable>([['display_name', name], ['read_cap', realReadCap()]])]]);
    rejects(() => decodeGroupChatMessage(intro('a'.repeat(31))), 'bad_display_name', 'introduction.display_name');
    rejects(() => decodeGroupChatMessage(intro('')), 'bad_display_name', 'introduction.display_name');
    rejects(() => decodeGroupChatMessage(intro(':substream:7')), 'bad_display_name', 'introduction.display_name');
    const emoji30 = '🐈'.repeat(30); // 30 code points, .length 60
    assert.equal(decodeGroupChatMessage(intro(emoji30)).message.introduction?.displayName, emoji30);
    rejects(() => encodeGroupChatMessage({ ...textMessage(''), text: undefined, msgType: MsgType.INTRODUCTION, introduction: { displayName: 'x'.repeat(31), readCap: realReadCap() } }), 'bad_display_name', 'introduction.display_name');
  });

  it('rejects an oversized file on decode and on encode', () => {
    const file = new Map<string, CborEncodable>([['payload', new Uint8Array(101)], ['filetype', 'arbitrary'], ['basename', 'f']]);
    rejects(() => decodeGroupChatMessage(wireMap([...BASE, ['file_upload', file]]), { maxFileBytes: 100 }), 'file_too_large', 'file_upload.payload');
    assert.equal(decodeGroupChatMessage(wireMap([...BASE, ['file_upload', file]]), { maxFileBytes: 101 }).message.fileUpload?.payload.length, 101);
    const msg: GroupChatMessage = { version: 0, membershipHash: MEMBERSHIP_HASH_TODO, msgType: MsgType.FILE_UPLOAD, fileUpload: { payload: new Uint8Array(101), filetype: 'arbitrary', basename: 'f' } };
    rejects(() => encodeGroupChatMessage(msg, { maxFileBytes: 100 }), 'file_too_large', 'file_upload.payload');
  });

  it('refuses to encode a message whose payload does not match its type, or extensions off TEXT', () => {
    assert.throws(() => encodeGroupChatMessage({ ...textMessage('x'), msgType: MsgType.WHO }), RangeError);
    assert.throws(() => encodeGroupChatMessage({ ...textMessage('x'), who: 'y' }), RangeError);
    assert.throws(() => encodeGroupChatMessage({ version: 0, membershipHash: MEMBERSHIP_HASH_TODO, msgType: MsgType.WHO, who: 'a', bridge: { originTsSec: 1 } }), RangeError);
    rejects(() => encodeGroupChatMessage(textMessage('x', { membershipHash: new Uint8Array(31) })), 'bad_hash_length', 'membership_hash');
    rejects(() => encodeGroupChatMessage(textMessage('x', { msgType: 12 as MsgType })), 'unknown_msg_type', 'msg_type');
  });

  it('reports whether the membership hash matched, and never drops over it', () => {
    const caps = [realReadCap(), realReadCap()];
    const ours = membershipHashV1({ memberReadCaps: caps });
    const theirs = membershipHashV1({ memberReadCaps: caps.slice(0, 1) });
    const enc = (h: Uint8Array) => encodeGroupChatMessage(textMessage('x', { membershipHash: h }));
    assert.equal(decodeGroupChatMessage(enc(ours), { expectedMembershipHash: ours }).membership, 'match');
    const mismatch = decodeGroupChatMessage(enc(theirs), { expectedMembershipHash: ours });
    assert.equal(mismatch.membership, 'mismatch');
    assert.equal(mismatch.message.text, 'x');
    assert.equal(decodeGroupChatMessage(enc(MEMBERSHIP_HASH_TODO), { expectedMembershipHash: ours }).membership, 'sentinel');
    assert.equal(decodeGroupChatMessage(enc(theirs)).membership, 'unchecked');
    assert.equal(checkMembershipHash(new Uint8Array(32), ours), 'sentinel');
    // The order of members and a re-based index do not change the hash (only root keys count).
    const rebased = Uint8Array.from(caps[0]!);
    rebased.fill(9, 32);
    assert.deepEqual(membershipHashV1({ memberReadCaps: [caps[1]!, rebased, caps[0]!] }), ours);
  });
});

describe('groupchat wire: bridge extensions on TEXT (extensions.ts)', () => {
  const ref = { author: new Uint8Array(32).fill(3), boxCounter: 0xfedcba9876543210n };

  it('composes a readable fallback and strips it again', () => {
    const c = composeBridgedText({
      body: 'sounds good 👍',
      senderName: 'ircnick',
      reply: { ref, quotedSender: 'alice', quotedBody: 'lunch at noon?\nsecond line' },
      msgId: new Uint8Array(16).fill(1),
      originTsSec: 1767225600,
    });
    assert.equal(c.text, '> <alice> lunch at noon?…\n<ircnick> sounds good 👍');
    const d = decodeGroupChatMessage(encodeGroupChatMessage(textMessage(c.text, { bridge: c.bridge })));
    assert.deepEqual(d.warnings, []);
    assert.deepEqual(d.message.bridge, c.bridge);
    assert.equal(bodyOf(d.message), 'sounds good 👍');
  });

  it('marks edits with "* " and keeps message refs by id or by (author, box)', () => {
    const c = composeBridgedText({ body: 'fixed', editOf: { msgId: Uint8Array.of(1, 2) } });
    assert.equal(c.text, '* fixed');
    const d = decodeGroupChatMessage(encodeGroupChatMessage(textMessage(c.text, { bridge: { ...c.bridge, replyTo: ref } })));
    assert.deepEqual(d.message.bridge?.editOf, { msgId: Uint8Array.of(1, 2) });
    assert.equal(d.message.bridge?.replyTo?.boxCounter, 0xfedcba9876543210n);
    assert.equal(bodyOf(d.message), 'fixed');
  });

  it('reads the "<sender> text" form without x-bridge-body-at (the shared vector form)', () => {
    const d = decodeGroupChatMessage(wireMap([...BASE, ['msg_type', 0], ['text', '<nick> hi there'], [EXT_KEYS.senderName, 'nick']]));
    assert.equal(bodyOf(d.message), 'hi there');
    assert.equal(bodyOf(textMessage('plain')), 'plain');
  });

  it('drops a malformed extension key with a warning and keeps the message', () => {
    const d = decodeGroupChatMessage(
      wireMap([
        ...BASE,
        ['text', 'é hello'],
        [EXT_KEYS.senderName, 'x'.repeat(40)],
        [EXT_KEYS.bodyAt, 1], // inside the two-byte é
        [EXT_KEYS.replyTo, new Map<string, CborEncodable>([['author', new Uint8Array(32)]])], // box missing
        [EXT_KEYS.msgId, 'not bytes'],
        [EXT_KEYS.originTsSec, 5],
      ]),
    );
    assert.equal(d.message.text, 'é hello');
    assert.deepEqual(d.message.bridge, { originTsSec: 5 });
    assert.deepEqual(d.warnings.map((w) => [w.code, w.path]), [
      ['bad_extension', EXT_KEYS.senderName],
      ['bad_extension', EXT_KEYS.msgId],
      ['bad_extension', EXT_KEYS.replyTo],
      ['bad_extension', EXT_KEYS.bodyAt],
    ]);
  });

  it('ignores x-bridge-* keys on non-TEXT messages', () => {
    const d = decodeGroupChatMessage(wireMap([...BASE, ['msg_type', 3], ['who', 'a'], [EXT_KEYS.senderName, 'n']]));
    assert.equal(d.message.bridge, undefined);
  });
});

describe('groupchat wire: names and the please_add_list (wire §1.6, §1.7)', () => {
  it('sanitises outbound names to the rules', () => {
    assert.equal(sanitizeDisplayName('  Alice\n\u202eEvil  '), 'Alice Evil');
    assert.equal(sanitizeDisplayName(':substream:3 bob'), '3 bob');
    assert.equal(sanitizeDisplayName('🐈'.repeat(40)), '🐈'.repeat(30));
    assert.equal(sanitizeDisplayName('\u0000\u0001', 'guest'), 'guest');
  });

  it('sanitises basenames as katzenqt does before use', () => {
    assert.equal(safeBasename('../../etc/passwd'), '_.._etc_passwd');
    assert.equal(safeBasename('..'), 'unnamed');
    assert.equal(safeBasename('a\\b.png'), 'a_b.png');
    assert.equal(safeBasename('x'.repeat(300)).length, 200);
  });

  it('keeps the good entries of a please_add_list and reports bad ones and null slots', () => {
    const good = realReadCap();
    const entry = (name: string, cap: Uint8Array) => new Map<string, CborEncodable>([['display_name', name], ['read_cap', cap]]);
    const bytes = wireMap([
      ['please_adds', [entry('alice', good), null, entry('y'.repeat(31), good), entry('carol', fakeCap(0x10)), 7]],
      ['roster_size', 3],
    ]);
    const d = decodePleaseAddList(bytes);
    assert.deepEqual(d.members.map((m) => m.displayName), ['alice']);
    assert.deepEqual(d.removedSlots, [1]);
    assert.deepEqual(d.rejected.map((r) => [r.index, r.error.code, r.error.path]), [
      [2, 'bad_display_name', 'please_adds[2].display_name'],
      [3, 'invalid_cap', 'please_adds[3].read_cap'],
      [4, 'wrong_type', 'please_adds[4]'],
    ]);
    rejects(() => decodePleaseAddList(wireMap([['please_adds', 'x']])), 'wrong_type', 'please_adds');
    rejects(() => decodePleaseAddList(wireMap([])), 'missing_field', 'please_adds');
  });

  it('refuses to send a please_add_list entry outside the rules', () => {
    rejects(() => encodePleaseAddList([{ displayName: ':substream:1', readCap: realReadCap() }]), 'bad_display_name', 'please_adds[0].display_name');
    rejects(() => encodePleaseAddList([{ displayName: 'a', readCap: new Uint8Array(10) }]), 'invalid_cap', 'please_adds[0].read_cap');
  });
});

describe('groupchat wire: wrong arguments from our own code (STYLE.md §5)', () => {
  const WRONG: unknown[] = [undefined, null, 'abc', 1, {}, [1, 2]];
  it('every byte-taking export throws TypeError for a non-Uint8Array', () => {
    for (const w of WRONG) {
      assert.throws(() => decodeGroupChatMessage(w as Uint8Array), TypeError);
      assert.throws(() => tryDecodeGroupChatMessage(w as Uint8Array), TypeError);
      assert.throws(() => decodePleaseAddList(w as Uint8Array), TypeError);
    }
  });
  it('the encoder throws TypeError/RangeError for malformed message objects', () => {
    assert.throws(() => encodeGroupChatMessage(textMessage('x', { version: -1 })), RangeError);
    assert.throws(() => encodeGroupChatMessage(textMessage('x', { membershipHash: 'h' as unknown as Uint8Array })), TypeError);
    assert.throws(() => encodeGroupChatMessage(textMessage(5 as unknown as string)), TypeError);
    assert.throws(() => encodePleaseAddList('x' as unknown as []), TypeError);
  });
});
