import { strict as assert } from 'node:assert';
import {
  MEMBERSHIP_HASH_TODO,
  MsgType,
  StreamReassembler,
  bodyOf,
  composeBridgedText,
  decodeGroupChatMessage,
  decodePleaseAddList,
  encodeGroupChatMessage,
  encodePleaseAddList,
  planBoxes,
  pointerBox,
  type GroupChatMessage,
} from '../../../src/groupchat/index.js';
import { realReadCap, rng, textMessage } from './support.js';

// Encode -> boxes -> (pointer + temp stream) -> reassemble -> decode, for random messages.
// Seeds are fixed so a failure names a reproducible case.

const SCRIPTS: ReadonlyArray<[number, number]> = [
  [0x20, 0x7e], // ASCII
  [0xa0, 0x24f], // Latin-1 and Extended
  [0x591, 0x5f4], // Hebrew with points (RTL)
  [0x600, 0x6ff], // Arabic (RTL)
  [0x4e00, 0x4fff], // CJK
  [0x1f300, 0x1f6ff], // emoji (astral: two UTF-16 units)
  [0x300, 0x36f], // combining marks
];

function randomText(r: ReturnType<typeof rng>, maxCodePoints: number): string {
  const n = r.int(maxCodePoints + 1);
  let s = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = SCRIPTS[r.int(SCRIPTS.length)]!;
    s += String.fromCodePoint(lo + r.int(hi - lo + 1));
    if (r.int(20) === 0) s += '\n';
  }
  return s;
}

/** Sends one message over a simulated own stream (+ temp stream) and returns what a reader decodes. */
function sendAndReceive(message: GroupChatMessage, boxPayloadBytes: number, withCount: boolean): GroupChatMessage {
  const plan = planBoxes(encodeGroupChatMessage(message), { boxPayloadBytes });
  const own = new StreamReassembler();
  if (plan.layout === 'single') {
    assert.ok(plan.ownBox.length <= boxPayloadBytes);
    const out = own.feed(plan.ownBox);
    assert.equal(out.kind, 'message');
    return decodeGroupChatMessage(out.kind === 'message' ? out.cbor : new Uint8Array()).message;
  }
  const tempCap = realReadCap();
  const pointer = own.feed(pointerBox(tempCap, withCount ? { totalChunks: plan.tempBoxes.length } : {}));
  assert.equal(pointer.kind, 'pointer');
  const expected = pointer.kind === 'pointer' ? pointer.totalChunks : undefined;
  const temp = new StreamReassembler({ role: 'temp', ...(expected !== undefined ? { expectedChunks: expected } : {}) });
  let last;
  for (const box of plan.tempBoxes) {
    assert.ok(box.length <= boxPayloadBytes);
    last = temp.feed(box);
  }
  assert.equal(last?.kind, 'message');
  return decodeGroupChatMessage(last?.kind === 'message' ? last.cbor : new Uint8Array()).message;
}

describe('groupchat wire: encode/decode round trips', () => {
  it('random texts (non-ASCII, RTL, astral, combining) survive every box size', () => {
    const r = rng(0x5eed);
    for (let i = 0; i < 120; i++) {
      const text = randomText(r, i % 10 === 0 ? 3000 : 200);
      const size = [141, 600, 1530, 4096][i % 4]!;
      const back = sendAndReceive(textMessage(text), size, i % 2 === 0);
      assert.equal(back.text, text, `case ${i}`);
      assert.equal(back.msgType, MsgType.TEXT);
    }
  });

  it('files of random sizes across box boundaries arrive intact', () => {
    const r = rng(42);
    const file = (n: number): GroupChatMessage => ({
      version: 0,
      membershipHash: MEMBERSHIP_HASH_TODO,
      msgType: MsgType.FILE_UPLOAD,
      fileUpload: { payload: r.bytes(n), filetype: 'image/png', basename: 'pic €.png' },
    });
    const overhead = encodeGroupChatMessage(file(300)).length - 300;
    const sizes: number[] = [0, 1, 5000, 20000];
    for (let k = 1; k <= 4; k++) for (let d = -2; d <= 2; d++) sizes.push(k * 1529 - overhead + d);
    for (let i = 0; i < 10; i++) sizes.push(r.int(12000));
    for (const n of sizes) {
      const m = file(n);
      const cbor = encodeGroupChatMessage(m);
      const boxes = planBoxes(cbor);
      const expectBoxes = cbor.length <= 1529 ? 1 : Math.ceil(cbor.length / 1529);
      assert.equal(boxes.layout === 'single' ? 1 : boxes.tempBoxes.length, expectBoxes, `size ${n}`);
      assert.deepEqual(sendAndReceive(m, 1530, n % 2 === 0).fileUpload, m.fileUpload, `size ${n}`);
    }
  });

  it('TEXT extensions survive, and the fallback text stays readable', () => {
    const r = rng(99);
    for (let i = 0; i < 60; i++) {
      const body = randomText(r, 80);
      const c = composeBridgedText({
        body,
        senderName: `nick${i}`,
        msgId: r.bytes(16),
        originTsSec: 1_700_000_000 + i,
        ...(i % 3 === 0 ? { reply: { ref: { author: r.bytes(32), boxCounter: BigInt(r.int(1e9)) * 2n ** 32n }, quotedSender: 'bob', quotedBody: randomText(r, 120) } } : {}),
        ...(i % 4 === 0 ? { editOf: { msgId: r.bytes(8) } } : {}),
      });
      const back = sendAndReceive(textMessage(c.text, { bridge: c.bridge }), 1530, false);
      assert.deepEqual(back.bridge, c.bridge);
      assert.equal(bodyOf(back), body);
      assert.ok(back.text?.includes(`<nick${i}> `));
    }
  });

  it('introductions, tallies and please_add_lists round-trip', () => {
    const r = rng(3);
    const cap = realReadCap();
    const intro: GroupChatMessage = { version: 0, membershipHash: r.bytes(32), msgType: MsgType.INTRODUCTION, introduction: { displayName: 'Zoë 🐈', readCap: cap } };
    assert.deepEqual(sendAndReceive(intro, 1530, false), intro);
    const tally: GroupChatMessage = {
      version: 0,
      membershipHash: new Uint8Array(32),
      msgType: MsgType.TALLY_CREATE,
      tally: { surveyId: r.bytes(16), version: 0, choice: new Map([['s1', 'no'], ['s0', 'yes']]), crdt: r.bytes(3000) },
    };
    assert.deepEqual(sendAndReceive(tally, 1530, false), tally);
    const members = Array.from({ length: 20 }, (_, i) => ({ displayName: Array.from(`m${i} ${randomText(r, 40)}`).slice(0, 30).join(''), readCap: realReadCap() }));
    const d = decodePleaseAddList(encodePleaseAddList(members));
    assert.deepEqual(d.members, members);
  });
});
