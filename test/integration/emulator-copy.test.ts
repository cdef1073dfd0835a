// Copy commands, vouchers and epochs (thin-client §2.6–2.8, §3.5, §3.8).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2.js';
import { Emulator, FAST_OPTIONS, withOptions } from '../../src/katzenpost/emulator/index.js';
import { Peer, RawClient } from '../support/emulator-raw-client.js';

describe('emulator: copy commands, vouchers, epochs (thin-client §3.8, §2.8, §3.5)', () => {
  let emu: Emulator;
  let now = Date.now();
  const clients: RawClient[] = [];
  const peer = async (): Promise<Peer> => {
    const { client } = await RawClient.open(await emu.listen('127.0.0.1:0'));
    clients.push(client);
    return new Peer(client);
  };
  beforeEach(async () => {
    now = Date.now();
    emu = await Emulator.start({ options: withOptions(FAST_OPTIONS, { clock: { now: () => now }, copyReadTimeoutMs: 200 }) });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await emu.close();
  });

  /** Writes the elements into the temporary stream, returning its indices. */
  async function writeTemp(p: Peer, temp: Record<string, any>, elements: Buffer[]): Promise<Buffer[]> {
    const indices: Buffer[] = [];
    let idx: Buffer = temp.first_message_index;
    for (const el of elements) {
      assert.equal((await p.write(temp.write_cap, idx, el)).error_code, 0);
      indices.push(idx);
      idx = await p.next(idx);
    }
    return indices;
  }

  it('copies two destinations in one command, in order; the temporary stream is tombstoned afterwards', async () => {
    const alice = await peer();
    const bob = await peer();
    const d1 = await alice.keypair();
    const d2 = await alice.keypair();
    const temp = await alice.keypair();
    const big = randomBytes(4000);
    const r = await alice.c.call('create_courier_envelopes_from_multi_payload', {
      destinations: [
        { payload: Buffer.from('to channel 1'), write_cap: d1.write_cap, start_index: d1.first_message_index },
        { payload: big, write_cap: d2.write_cap, start_index: d2.first_message_index },
      ],
      is_start: true, is_last: true, buffer: null,
    });
    assert.equal(r.error_code, 0);
    // 1 + 3 destination boxes of 2003 bytes each in 1544-byte elements: ceil(8012 / 1544) = 6.
    assert.equal(r.envelopes.length, 6);
    assert.ok(r.envelopes.every((e: Buffer) => e.length <= 1549));
    assert.equal(Buffer.from(r.next_dest_indices[1]).readBigUInt64LE(0), Buffer.from(d2.first_message_index).readBigUInt64LE(0) + 3n);
    const tempIndices = await writeTemp(alice, temp, r.envelopes);
    assert.equal(await bob.c.silentFor(0), true);
    assert.equal((await alice.c.call('start_resending_copy_command', { write_cap: temp.write_cap })).error_code, 0);
    assert.equal(Buffer.from((await bob.read(d1.read_cap, d1.first_message_index)).plaintext).toString(), 'to channel 1');
    let idx: Buffer = d2.first_message_index;
    const parts: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      parts.push(Buffer.from((await bob.read(d2.read_cap, idx)).plaintext));
      idx = await bob.next(idx);
    }
    assert.deepEqual(Buffer.concat(parts), big);
    assert.equal(parts[0]!.length, 1545);
    for (const i of tempIndices) assert.equal((await bob.read(temp.read_cap, i)).error_code, 11);
    // The courier remembers the result: the same copy again answers from its dedup cache.
    assert.equal((await alice.c.call('start_resending_copy_command', { write_cap: temp.write_cap })).error_code, 0);
  });

  it('a conflict stops the copy: 26 with the replica code and the 1-based envelope; earlier envelopes stay', async () => {
    const p = await peer();
    const dest = await p.keypair();
    const temp = await p.keypair();
    const second = await p.next(dest.first_message_index);
    assert.equal((await p.write(dest.write_cap, second, Buffer.from('already here'))).error_code, 0);
    const r = await p.c.call('create_courier_envelopes_from_payload', {
      payload: randomBytes(1545 * 2), dest_write_cap: dest.write_cap, dest_start_index: dest.first_message_index, is_start: true, is_last: true,
    });
    const tempIndices = await writeTemp(p, temp, r.envelopes);
    const reply = await p.c.call('start_resending_copy_command', { write_cap: temp.write_cap });
    assert.equal(reply.error_code, 26);
    assert.equal(reply.replica_error_code, 10);
    assert.equal(reply.failed_envelope_index, 2);
    assert.equal((await p.read(dest.read_cap, dest.first_message_index)).error_code, 0, 'no rollback');
    assert.equal(Buffer.from((await p.read(dest.read_cap, second)).plaintext).toString(), 'already here');
    assert.equal((await p.read(temp.read_cap, tempIndices[0]!)).error_code, 0, 'a failed copy leaves the temporary stream');
  });

  it('tombstone ranges in a copy delete boxes; a copy of a missing stream fails; cancel gives 24 then 0', async () => {
    const p = await peer();
    const dest = await p.keypair();
    assert.equal((await p.write(dest.write_cap, dest.first_message_index, Buffer.from('old'))).error_code, 0);
    const temp = await p.keypair();
    const r = await p.c.call('create_courier_envelopes_from_tombstone_range', {
      dest_write_cap: dest.write_cap, dest_start_index: dest.first_message_index, max_count: 2, is_start: true, is_last: true, buffer: null,
    });
    await writeTemp(p, temp, r.envelopes);
    assert.equal((await p.c.call('start_resending_copy_command', { write_cap: temp.write_cap })).error_code, 0);
    assert.equal((await p.read(dest.read_cap, dest.first_message_index)).error_code, 11);
    const empty = await p.keypair();
    const failed = await p.c.call('start_resending_copy_command', { write_cap: empty.write_cap });
    assert.equal(failed.error_code, 26);
    const unknown = await p.c.call('cancel_resending_copy_command', { write_cap_hash: randomBytes(32) });
    assert.equal(unknown.error_code, 0);
    const slow = await p.keypair();
    p.c.send({ start_resending_copy_command: { query_id: randomBytes(16), write_cap: slow.write_cap } });
    await p.c.silentFor(20);
    p.c.send({ cancel_resending_copy_command: { query_id: randomBytes(16), write_cap_hash: Buffer.from(blake2b(slow.write_cap, { dkLen: 32 })) } });
    assert.equal((await p.c.next('start_resending_copy_command_reply')).body.error_code, 24);
    assert.equal((await p.c.next('cancel_resending_copy_command_reply')).body.error_code, 0);
  });

  it('vouchers agree: induct\'s mutated read cap reads what open\'s mutated write cap writes', async () => {
    const joiner = await peer();
    const inductor = await peer();
    const own = await joiner.keypair();
    const m = await joiner.c.call('voucher_mint', { message_write_cap: own.write_cap, display_name: 'Bob' });
    assert.equal(m.error_code, 0);
    assert.equal(m.voucher.length, 32);
    const d = await inductor.c.call('voucher_derive_stream', { voucher: m.voucher });
    assert.deepEqual(d.voucher_write_cap, m.voucher_write_cap);
    const who = Buffer.from('who reply cbor');
    const i = await inductor.c.call('voucher_induct', { voucher: m.voucher, voucher_payload: m.voucher_payload, who_reply: who });
    assert.equal(i.error_code, 0);
    assert.equal(i.display_name, 'Bob');
    const o = await joiner.c.call('voucher_open', { voucher_secret_key: m.voucher_secret_key, sealed_reply: i.sealed_reply, message_write_cap: own.write_cap });
    assert.equal(o.error_code, 0);
    assert.deepEqual(o.who_reply, who);
    assert.deepEqual(o.salt, i.salt);
    assert.deepEqual(Buffer.from(o.mutated_message_write_cap).subarray(32), Buffer.from(i.mutated_message_read_cap));
    const wc = o.mutated_message_write_cap;
    assert.equal((await joiner.write(wc, Buffer.from(wc).subarray(64), Buffer.from('hi'))).error_code, 0);
    const rc = i.mutated_message_read_cap;
    assert.equal(Buffer.from((await inductor.read(rc, Buffer.from(rc).subarray(32))).plaintext).toString(), 'hi');
    const tampered = Buffer.from(m.voucher_payload);
    tampered[tampered.length - 1]! ^= 1;
    assert.equal((await inductor.c.call('voucher_induct', { voucher: m.voucher, voucher_payload: tampered, who_reply: who })).error_code, 28);
    const bad = Buffer.from(i.sealed_reply);
    bad[40]! ^= 1;
    assert.equal((await joiner.c.call('voucher_open', { voucher_secret_key: m.voucher_secret_key, sealed_reply: bad, message_write_cap: own.write_cap })).error_code, 30);
  });

  it('epochs: a new PKI epoch is announced; a ciphertext two replica epochs old gets 32; data outlives one replica epoch', async () => {
    const p = await peer();
    const status = await p.c.call('get_pki_document', { epoch: 0 });
    assert.equal(status.error_code, 0);
    const dest = await p.keypair();
    assert.equal((await p.write(dest.write_cap, dest.first_message_index, Buffer.from('durable'))).error_code, 0);
    const e = await p.c.call('encrypt_read', { read_cap: dest.read_cap, message_box_index: dest.first_message_index });
    now += 20 * 60_000;
    emu.publishPkiDocument();
    const ev = await p.c.next('new_pki_document_event');
    assert.ok(ev.body.payload.length > 0);
    assert.equal((await p.c.call('get_pki_document', { epoch: status.epoch })).error_code, 0);
    assert.equal((await p.c.call('get_pki_document', { epoch: status.epoch + 100 })).error_code, 10);
    now += 7 * 24 * 3600_000;
    assert.equal(Buffer.from((await p.read(dest.read_cap, dest.first_message_index, true)).plaintext).toString(), 'durable');
    now += 7 * 24 * 3600_000;
    const stale = await p.c.call('start_resending_encrypted_message', {
      read_cap: dest.read_cap, message_box_index: dest.first_message_index,
      envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash,
    });
    assert.equal(stale.error_code, 32);
    assert.equal((await p.read(dest.read_cap, dest.first_message_index, true)).error_code, 1, 'expired after 14 days');
  });

  it('a courier change in a PKI event: requests pinned to the old courier stall until cancelled; new ones use the new courier', async () => {
    const p = await peer();
    const kp = await p.keypair();
    const e = await p.c.call('encrypt_read', { read_cap: kp.read_cap, message_box_index: kp.first_message_index });
    const q = randomBytes(16);
    p.c.send({ start_resending_encrypted_message: {
      query_id: q, read_cap: kp.read_cap, message_box_index: kp.first_message_index,
      envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash,
    } });
    await p.c.silentFor(20);
    emu.rotateCourier();
    assert.equal((await p.c.next('new_pki_document_event')).key, 'new_pki_document_event');
    const w = await p.write(kp.write_cap, kp.first_message_index, Buffer.from('after the change'));
    assert.equal(w.error_code, 0);
    assert.equal(await p.c.silentFor(50), true, 'the read pinned to the departed courier does not complete');
    p.c.send({ cancel_resending_encrypted_message: { query_id: randomBytes(16), envelope_hash: e.envelope_hash } });
    const cancelled = await p.c.reply(q);
    assert.equal(cancelled.body.error_code, 24);
    assert.notDeepEqual(cancelled.body.courier_identity_hash, w.courier_identity_hash);
    assert.equal(Buffer.from((await p.read(kp.read_cap, kp.first_message_index)).plaintext).toString(), 'after the change');
  });
});
