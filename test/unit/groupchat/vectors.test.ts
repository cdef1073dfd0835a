import { strict as assert } from 'node:assert';
import { blake2b } from '@noble/hashes/blake2.js';
import {
  MEMBERSHIP_HASH_TODO,
  MEMBERSHIP_HASH_ZERO,
  MsgType,
  StreamReassembler,
  WireError,
  checkMembershipHash,
  decodeGroupChatMessage,
  decodePleaseAddList,
  encodeGroupChatMessage,
  encodePleaseAddList,
  membershipHashV1,
  planBoxes,
  pointerBox,
  rootKeyOfReadCap,
  rootKeyOfWriteCap,
  tryDecodeGroupChatMessage,
  type BoxOutcome,
  type WireErrorCode,
} from '../../../src/groupchat/index.js';
import { VECTOR_PATH, hex, loadVectors, messageView, pleaseAddView, unhex, type VectorCase } from './vector-view.js';

// Every case of groupchat.json (or the file named by GROUPCHAT_VECTORS), one it() per check,
// each titled with the case name. The vectors use fake caps cap(k) that are often not curve
// points, so caps are checked for length only here, exactly as katzenqt's model does (caps.ts);
// strict checking is tested in caps.test.ts.
const OPTS = { capCheck: 'length' } as const;
const file = loadVectors();

// What we expect for the reject cases we know by name (other files: the behaviour checks only).
const EXPECTED_REJECT: Record<string, { code: WireErrorCode; path?: string }> = {
  reject_unknown_msg_type: { code: 'unknown_msg_type', path: 'msg_type' },
  reject_membership_hash_31_bytes: { code: 'bad_hash_length', path: 'membership_hash' },
  reject_membership_hash_text_string: { code: 'wrong_type', path: 'membership_hash' },
  reject_bad_framing_byte: { code: 'bad_framing_byte' },
  reject_text_invalid_utf8: { code: 'invalid_utf8' },
};

function feedAll(r: StreamReassembler, boxes: readonly string[]): BoxOutcome[] {
  return boxes.map((b) => r.feed(unhex(b)));
}

function only<T>(items: readonly T[], what: string): T {
  assert.equal(items.length, 1, `expected exactly one ${what}, got ${items.length}`);
  return items[0]!;
}

describe(`groupchat wire vectors (${VECTOR_PATH})`, () => {
  it('the file holds case_count cases, all of a known kind', () => {
    assert.equal(file.cases.length, file.case_count);
    for (const c of file.cases) assert.ok(['message', 'framing', 'membership_hash', 'please_add_list', 'reject'].includes(c.kind), c.name);
  });

  for (const c of file.cases.filter((c) => c.kind === 'message' || c.kind === 'framing')) describeMessage(c);
  for (const c of file.cases.filter((c) => c.kind === 'membership_hash')) describeMembership(c);
  for (const c of file.cases.filter((c) => c.kind === 'please_add_list')) describePleaseAddList(c);
  for (const c of file.cases.filter((c) => c.kind === 'reject')) describeReject(c);
});

function describeMessage(c: VectorCase): void {
  const cbor = unhex(c.cbor_hex!);
  // A chain with several CBOR items decodes to the first (katzenqt drops the rest, wire §1.4).
  const items = c.messages_cbor_hex?.map(unhex);

  it(`${c.name}: decodes to the fields katzenqt yields`, () => {
    if (c.cbor_len !== undefined) assert.equal(cbor.length, c.cbor_len);
    const d = decodeGroupChatMessage(cbor, OPTS);
    assert.deepStrictEqual(messageView(d.message), c.decoded);
    assert.deepEqual(d.warnings, []);
    const trailing = items && items.length > 1 ? cbor.length - items[0]!.length : 0;
    assert.equal(d.trailingBytes, trailing);
  });

  if (!c.decode_only) {
    it(`${c.name}: re-encodes to identical bytes`, () => {
      for (const item of items ?? [cbor]) {
        const d = decodeGroupChatMessage(item, OPTS);
        assert.equal(d.trailingBytes, 0);
        assert.equal(hex(encodeGroupChatMessage(d.message, OPTS)), hex(item));
      }
    });
  }

  if (c.box_layout === 'single' && !c.decode_only) {
    it(`${c.name}: box layout single ('F' + CBOR on the own stream) byte for byte`, () => {
      const plan = planBoxes(cbor);
      assert.equal(plan.layout, 'single');
      assert.equal(hex(plan.layout === 'single' ? plan.ownBox : new Uint8Array()), only(c.boxes_hex!, 'box'));
    });
  }

  if (c.box_layout === 'temp_stream') {
    it(`${c.name}: box layout temp_stream (C..C F on the temp stream) byte for byte`, () => {
      const plan = planBoxes(cbor);
      assert.equal(plan.layout, 'temp_stream');
      const boxes = plan.layout === 'temp_stream' ? plan.tempBoxes : [];
      assert.deepEqual(boxes.map(hex), c.boxes_hex);
      if (c.box_lens) assert.deepEqual(boxes.map((b) => b.length), c.box_lens);
    });
    it(`${c.name}: pointer box ('I' + 136-byte temp read cap) byte for byte`, () => {
      assert.equal(hex(pointerBox(unhex(c.temp_read_cap_hex!), OPTS)), c.pointer_box_hex);
    });
  }

  it(`${c.name}: reassembles from its boxes (box_layout ${c.box_layout})`, () => {
    const own = new StreamReassembler({ ...OPTS, role: 'own' });
    let assembled: Uint8Array;
    if (c.box_layout === 'temp_stream') {
      const p = own.feed(unhex(c.pointer_box_hex!));
      assert.equal(p.kind, 'pointer');
      assert.equal(p.kind === 'pointer' ? hex(p.tempReadCap) : '', c.temp_read_cap_hex);
      const temp = new StreamReassembler({ ...OPTS, role: 'temp' });
      const outs = feedAll(temp, c.boxes_hex!);
      assert.deepEqual(outs.slice(0, -1).map((o) => o.kind), outs.slice(0, -1).map(() => 'partial'));
      const last = outs[outs.length - 1]!;
      assert.equal(last.kind, 'message');
      assembled = last.kind === 'message' ? last.cbor : new Uint8Array();
      assert.equal(temp.state.finished, true);
    } else {
      const last = only(feedAll(own, c.boxes_hex!), 'outcome');
      assert.equal(last.kind, 'message');
      assembled = last.kind === 'message' ? last.cbor : new Uint8Array();
    }
    assert.equal(hex(assembled), c.cbor_hex);
    assert.deepStrictEqual(messageView(decodeGroupChatMessage(assembled, OPTS).message), c.decoded);
  });
}

function describeMembership(c: VectorCase): void {
  if (c.algorithm === 'v1') {
    it(`${c.name}: v1 membership hash`, () => {
      const inputs = c.inputs!;
      const peers = (inputs.peer_read_caps_hex ?? []).map(unhex);
      const self = inputs.self_write_cap_hex ? unhex(inputs.self_write_cap_hex) : undefined;
      const h = membershipHashV1({ memberReadCaps: peers, ...(self ? { selfWriteCap: self } : {}) });
      assert.equal(hex(h), c.hash_hex);
      assert.equal(checkMembershipHash(h, h), 'match');
      if (inputs.sorted_root_keys_hex) {
        const keys = peers.map(rootKeyOfReadCap).concat(self ? [rootKeyOfWriteCap(self)] : []).map(hex);
        assert.deepEqual([...new Set(keys)].sort(), inputs.sorted_root_keys_hex);
      }
    });
  } else {
    it(`${c.name}: placeholder hash is a sentinel we recognise`, () => {
      const h = unhex(c.hash_hex!);
      assert.ok([hex(MEMBERSHIP_HASH_TODO), hex(MEMBERSHIP_HASH_ZERO)].includes(c.hash_hex!));
      if (c.hash_ascii) assert.equal(new TextDecoder().decode(h), c.hash_ascii);
      // Sentinels are accepted without comparing, even when we expect a real hash (wire §1.8).
      assert.equal(checkMembershipHash(h, new Uint8Array(32).fill(7)), 'sentinel');
    });
  }
}

function describePleaseAddList(c: VectorCase): void {
  const cbor = unhex(c.cbor_hex!);
  it(`${c.name}: decodes every entry`, () => {
    const d = decodePleaseAddList(cbor, OPTS);
    assert.deepEqual(d.rejected, []);
    assert.deepEqual(d.removedSlots, []);
    assert.deepStrictEqual({ please_adds: d.members.map((p) => pleaseAddView(p, true)) }, c.decoded);
  });
  it(`${c.name}: re-encodes to identical bytes (and the unused BLAKE2b-256 matches)`, () => {
    const bytes = encodePleaseAddList(decodePleaseAddList(cbor, OPTS).members, OPTS);
    assert.equal(hex(bytes), c.cbor_hex);
    if (c.unused_blake2b_256_hex) assert.equal(hex(blake2b(bytes, { dkLen: 32 })), c.unused_blake2b_256_hex);
  });
}

function describeReject(c: VectorCase): void {
  const expected = EXPECTED_REJECT[c.name];
  const behaviour = c.katzenqt_behaviour!;
  it(`${c.name}: rejected (katzenqt: ${behaviour}; ours: record${expected ? ` ${expected.code}` : ''} and move on)`, () => {
    const errors: WireError[] = [];
    const stages: string[] = [];
    if (behaviour === 'who_reply_rejected') {
      try {
        const d = decodePleaseAddList(unhex(c.cbor_hex!), OPTS);
        for (const r of d.rejected) errors.push(r.error);
      } catch (e) {
        assert.ok(e instanceof WireError, String(e));
        errors.push(e);
      }
      assert.ok(errors.length > 0, 'no entry rejected');
    } else {
      const own = new StreamReassembler({ ...OPTS, role: 'own' });
      for (const out of feedAll(own, c.boxes_hex ?? [])) {
        if (out.kind === 'rejected') {
          errors.push(out.error);
          stages.push('box');
        } else if (out.kind === 'message') {
          const d = tryDecodeGroupChatMessage(out.cbor, OPTS);
          assert.equal(d.ok, false, 'katzenqt turns this into no message');
          if (!d.ok) errors.push(d.error), stages.push('message');
        }
      }
      if (behaviour === 'message_dropped') assert.deepEqual(stages, ['message']);
      if (behaviour === 'peer_deactivated' || behaviour === 'pointer_ignored') assert.deepEqual(stages, ['box']);
      // Ours: the stream stays readable; the next box is read normally.
      const next = planBoxes(encodeGroupChatMessage({ version: 0, membershipHash: MEMBERSHIP_HASH_TODO, msgType: MsgType.TEXT, text: 'after' }));
      const out = own.feed(next.layout === 'single' ? next.ownBox : new Uint8Array());
      assert.equal(out.kind, 'message');
      assert.equal(out.kind === 'message' ? decodeGroupChatMessage(out.cbor).message.text : '', 'after');
      // The CBOR alone is refused the same way when it is the problem.
      if (c.cbor_hex && behaviour === 'message_dropped') {
        const d = tryDecodeGroupChatMessage(unhex(c.cbor_hex), OPTS);
        assert.equal(d.ok ? 'accepted' : d.error.code, errors[0]!.code);
      }
    }
    for (const e of errors) assert.ok(e instanceof WireError);
    if (expected) {
      assert.equal(errors[0]!.code, expected.code, errors[0]!.message);
      if (expected.path !== undefined) assert.equal(errors[0]!.path, expected.path);
    }
  });
}
