import { strict as assert } from 'node:assert';
import {
  EXT_KEYS,
  MEMBERSHIP_HASH_TODO,
  StreamReassembler,
  WireError,
  decodePleaseAddList,
  decodeReassemblyState,
  encodeGroupChatMessage,
  encodeReassemblyState,
  planBoxes,
  pointerBox,
  tryDecodeGroupChatMessage,
  type BoxOutcome,
} from '../../../src/groupchat/index.js';
import { encodeCbor, type CborEncodable } from '../../../src/groupchat/wire/cbor.js';
import { fakeCap, realReadCap, rng, textMessage } from './support.js';
import { loadVectors, unhex } from './vector-view.js';

// Random and mutated boxes and CBOR thrown at the decoders and the reassembler. The only
// failure allowed is a WireError (returned, or thrown by the throwing decoders); the reassembler
// never holds more than its limit. GROUPCHAT_FUZZ_COUNT raises the count (default 3000).
const COUNT = Number(process.env.GROUPCHAT_FUZZ_COUNT ?? 3000);
const SEED = Number(process.env.GROUPCHAT_FUZZ_SEED ?? 0xc0ffee);
const LIMIT = 64 * 1024;
const KEYS = ['version', 'membership_hash', 'msg_type', 'text', 'introduction', 'file_upload', 'who', 'reply_who', 'tally', 'acks',
  'display_name', 'read_cap', 'payload', 'filetype', 'basename', 'survey_id', 'choice', 'crdt', 'please_adds', 'id', 'author', 'box',
  ...Object.values(EXT_KEYS)];

type R = ReturnType<typeof rng>;

/** A random CBOR-encodable value, biased towards the shapes our decoders look at. */
function randomValue(r: R, depth: number): CborEncodable {
  switch (r.int(depth > 3 ? 6 : 9)) {
    case 0: return r.int(12);
    case 1: return [0, 1, 23, 24, 255, 65536, 2 ** 40, -1, -1000][r.int(9)]!;
    case 2: return r.bytes([0, 1, 31, 32, 33, 135, 136, 140][r.int(8)]!);
    case 3: return ['', 'bob', 'x'.repeat(31), ':substream:1', '🐈', 'image/png'][r.int(6)]!;
    case 4: return r.int(2) === 0 ? null : r.int(2) === 0;
    case 5: return 2n ** 64n - 1n;
    case 6: return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const m = new Map<string, CborEncodable>();
      for (let i = r.int(7); i > 0; i--) m.set(KEYS[r.int(KEYS.length)]!, randomValue(r, depth + 1));
      return m;
    }
  }
}

/** A plausible message map with random fields: mostly right keys, often wrong values. */
function randomMessage(r: R): Uint8Array {
  const m = new Map<string, CborEncodable>([
    ['version', r.int(4) === 0 ? randomValue(r, 1) : 0],
    ['membership_hash', r.int(4) === 0 ? randomValue(r, 1) : MEMBERSHIP_HASH_TODO],
  ]);
  for (let i = r.int(5); i > 0; i--) m.set(KEYS[r.int(KEYS.length)]!, randomValue(r, 1));
  return encodeCbor(m);
}

function mutate(r: R, input: Uint8Array): Uint8Array {
  const b = Uint8Array.from(input);
  switch (r.int(6)) {
    case 0: // flip bits
      for (let i = 1 + r.int(4); i > 0 && b.length > 0; i--) b[r.int(b.length)]! ^= 1 << r.int(8);
      return b;
    case 1: // truncate
      return b.subarray(0, r.int(b.length + 1));
    case 2: { // splice in a head that declares a huge length or count
      const heads = [[0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x7a, 0xff, 0xff, 0xff, 0xf0], [0x9a, 0x10, 0, 0, 0], [0xbb, 0, 0, 1, 0, 0, 0, 0, 0], [0x9f, 0x9f, 0x9f], [0xff]];
      const at = r.int(b.length + 1);
      return Uint8Array.from([...b.subarray(0, at), ...heads[r.int(heads.length)]!, ...b.subarray(at)]);
    }
    case 3: // overwrite a run with random bytes
      if (b.length > 0) {
        const n = Math.min(8, b.length);
        b.set(r.bytes(n), r.int(b.length - n + 1));
      }
      return b;
    case 4: // change the framing byte
      if (b.length > 0) b[0] = [0x46, 0x43, 0x49, 0x00, 0x66][r.int(5)]!;
      return b;
    default: // random bytes
      return r.bytes(r.int(300));
  }
}

function expectWireOnly(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof WireError, `${what}: ${String(e)}`);
    assert.equal(typeof e.code, 'string');
  }
}

function check(out: BoxOutcome, r: StreamReassembler): void {
  assert.ok(['message', 'pointer', 'partial', 'rejected'].includes(out.kind));
  if (out.kind === 'rejected') assert.ok(out.error instanceof WireError);
  if (out.kind === 'message') {
    assert.ok(out.cbor.length <= LIMIT);
    const d = tryDecodeGroupChatMessage(out.cbor, { capCheck: 'length' });
    if (!d.ok) assert.ok(d.error instanceof WireError);
  }
  assert.ok(r.state.pieces.reduce((n, p) => n + p.length, 0) <= LIMIT);
}

describe(`groupchat wire: fuzz (${COUNT} inputs, seed ${SEED})`, () => {
  const vectors = loadVectors().cases.flatMap((c) => [c.cbor_hex, c.pointer_box_hex, ...(c.boxes_hex ?? [])]).filter((h): h is string => !!h).map(unhex);
  const ours = [
    ...(() => { const p = planBoxes(encodeGroupChatMessage(textMessage('x'.repeat(5000))), { boxPayloadBytes: 700 }); return p.layout === 'temp_stream' ? p.tempBoxes : []; })(),
    pointerBox(realReadCap(), { totalChunks: 3 }),
    pointerBox(fakeCap(0x40), { capCheck: 'length' }),
  ];
  const corpus = [...vectors, ...ours];

  it('decoders and reassemblers fail only with WireError and stay within their limits', () => {
    const r = rng(SEED);
    let own = new StreamReassembler({ maxMessageBytes: LIMIT, capCheck: 'length' });
    let temp = new StreamReassembler({ role: 'temp', maxMessageBytes: LIMIT });
    let strictOwn = new StreamReassembler({ maxMessageBytes: LIMIT });
    let decodedOk = 0;
    for (let i = 0; i < COUNT; i++) {
      const kind = r.int(3);
      const base = kind === 0 ? corpus[r.int(corpus.length)]! : kind === 1 ? randomMessage(r) : encodeCbor(randomValue(r, 0));
      const input = r.int(3) === 0 ? base : mutate(r, base);
      const d = tryDecodeGroupChatMessage(input, { capCheck: r.int(2) === 0 ? 'length' : 'strict' });
      if (d.ok) decodedOk++;
      else assert.ok(d.error instanceof WireError, `input ${i}`);
      expectWireOnly(() => decodePleaseAddList(input), `please_add_list ${i}`);
      const box = r.int(2) === 0 ? input : Uint8Array.from([[0x46, 0x43, 0x49][r.int(3)]!, ...input]);
      for (const re of [own, temp, strictOwn]) check(re.feed(box), re);
      // Persist and restore now and then, as the engine would; mutated state bytes must be refused cleanly.
      if (i % 50 === 0) {
        const saved = encodeReassemblyState(own.state);
        own = StreamReassembler.restore(decodeReassemblyState(saved, { maxMessageBytes: LIMIT }), { maxMessageBytes: LIMIT, capCheck: 'length' });
        expectWireOnly(() => StreamReassembler.restore(decodeReassemblyState(mutate(r, saved), { maxMessageBytes: LIMIT }), { maxMessageBytes: LIMIT }), `state ${i}`);
      }
      if (temp.state.finished) temp = new StreamReassembler({ role: 'temp', maxMessageBytes: LIMIT });
      if (i % 500 === 0) strictOwn = new StreamReassembler({ maxMessageBytes: LIMIT });
    }
    // The corpus and generators must reach the accepting paths too, or the fuzz proves little.
    assert.ok(decodedOk > COUNT / 50, `only ${decodedOk} inputs decoded`);
  });
});
