// Pigeonhole semantics of the emulator over a real socket (thin-client §3.3–3.4, §2.3–2.5).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Emulator } from '../../src/katzenpost/emulator/index.js';
import { Peer, RawClient, qid } from '../support/emulator-raw-client.js';

describe('emulator: Pigeonhole reads and writes (thin-client §3.3, §3.4)', () => {
  let emu: Emulator;
  let address: string;
  const clients: RawClient[] = [];
  const peer = async (): Promise<Peer> => {
    const { client } = await RawClient.open(address);
    clients.push(client);
    return new Peer(client);
  };

  beforeEach(async () => {
    emu = await Emulator.start();
    address = await emu.listen('127.0.0.1:0');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await emu.close();
  });

  it('writes a box and reads back exactly the bytes written; the reader is another client', async () => {
    const alice = await peer();
    const bob = await peer();
    const kp = await alice.keypair();
    const msg = Buffer.from('the eagle has landed');
    const w = await alice.write(kp.write_cap, kp.first_message_index, msg);
    assert.equal(w.error_code, 0);
    assert.equal(w.plaintext, null);
    assert.equal(w.courier_identity_hash.length, 32);
    const r = await bob.read(kp.read_cap, kp.first_message_index);
    assert.equal(r.error_code, 0);
    assert.deepEqual(Buffer.from(r.plaintext), msg);
  });

  it('new_keypair is deterministic, RC == WC[32:], first index == RC[32:], counter is LE Idx64', async () => {
    const p = await peer();
    const seed = randomBytes(32);
    const a = await p.keypair(seed);
    const b = await p.keypair(seed);
    assert.deepEqual(a.write_cap, b.write_cap);
    assert.equal(a.write_cap.length, 168);
    assert.deepEqual(Buffer.from(a.read_cap), Buffer.from(a.write_cap).subarray(32));
    assert.deepEqual(Buffer.from(a.first_message_index), Buffer.from(a.read_cap).subarray(32));
    const c = await p.c.call('get_message_box_index_counter', { message_box_index: a.first_message_index });
    assert.equal(BigInt(c.counter), Buffer.from(a.first_message_index).readBigUInt64LE(0));
    const next = await p.next(a.first_message_index);
    assert.equal(Buffer.from(next).readBigUInt64LE(0), BigInt(c.counter) + 1n);
    assert.equal((await p.c.call('new_keypair', { seed: randomBytes(31) })).error_code, 3);
  });

  it('each encrypt_* call gives a fresh envelope_hash and a ciphertext of CourierQueryWriteLength', async () => {
    const p = await peer();
    const kp = await p.keypair();
    const args = { plaintext: Buffer.from('x'), write_cap: kp.write_cap, message_box_index: kp.first_message_index };
    const a = await p.c.call('encrypt_write', args);
    const b = await p.c.call('encrypt_write', args);
    assert.notDeepEqual(a.envelope_hash, b.envelope_hash);
    const r = await p.c.call('encrypt_read', { read_cap: kp.read_cap, message_box_index: kp.first_message_index });
    assert.equal(a.message_ciphertext.length, 2000);
    assert.equal(r.message_ciphertext.length, 2000);
  });

  it('a fail-fast read of an empty box gives BoxIDNotFound (1)', async () => {
    const p = await peer();
    const kp = await p.keypair();
    const r = await p.read(kp.read_cap, kp.first_message_index, true);
    assert.equal(r.error_code, 1);
    assert.equal(r.plaintext, null);
  });

  it('a blocking read waits and is released by another client\'s write', async () => {
    const reader = await peer();
    const writer = await peer();
    const kp = await writer.keypair();
    const pending = reader.read(kp.read_cap, kp.first_message_index);
    assert.equal(await reader.c.silentFor(50), true, 'the read must not complete before the write');
    assert.equal((await writer.write(kp.write_cap, kp.first_message_index, Buffer.from('late'))).error_code, 0);
    const r = await pending;
    assert.equal(r.error_code, 0);
    assert.equal(Buffer.from(r.plaintext).toString(), 'late');
  });

  it('write-once: a strict conflicting write gets BoxAlreadyExists (10); the default write reports 0 and stores nothing', async () => {
    const p = await peer();
    const kp = await p.keypair();
    assert.equal((await p.write(kp.write_cap, kp.first_message_index, Buffer.from('first'))).error_code, 0);
    assert.equal((await p.write(kp.write_cap, kp.first_message_index, Buffer.from('second'), true)).error_code, 10);
    assert.equal((await p.write(kp.write_cap, kp.first_message_index, Buffer.from('third'))).error_code, 0);
    const r = await p.read(kp.read_cap, kp.first_message_index);
    assert.equal(Buffer.from(r.plaintext).toString(), 'first');
  });

  it('an identical rewrite (same plaintext, same index) is idempotent success, even strict', async () => {
    const p = await peer();
    const kp = await p.keypair();
    assert.equal((await p.write(kp.write_cap, kp.first_message_index, Buffer.from('same'), true)).error_code, 0);
    assert.equal((await p.write(kp.write_cap, kp.first_message_index, Buffer.from('same'), true)).error_code, 0);
  });

  it('re-sending the same ciphertext after its verdict is known reports that verdict (10 counts as success)', async () => {
    const p = await peer();
    const kp = await p.keypair();
    await p.write(kp.write_cap, kp.first_message_index, Buffer.from('one'));
    const e = await p.c.call('encrypt_write', { plaintext: Buffer.from('two'), write_cap: kp.write_cap, message_box_index: kp.first_message_index });
    const send = { write_cap: kp.write_cap, envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash };
    assert.equal((await p.c.call('start_resending_encrypted_message', { ...send, no_idempotent_box_already_exists: true })).error_code, 10);
    assert.equal((await p.c.call('start_resending_encrypted_message', send)).error_code, 0);
  });

  it('a tombstone overwrites data and reads as 11; a later normal write gets 10', async () => {
    const p = await peer();
    const kp = await p.keypair();
    await p.write(kp.write_cap, kp.first_message_index, Buffer.from('to be deleted'));
    assert.equal((await p.write(kp.write_cap, kp.first_message_index, Buffer.alloc(0), true)).error_code, 0);
    const r = await p.read(kp.read_cap, kp.first_message_index);
    assert.equal(r.error_code, 11);
    assert.ok(r.plaintext === null || r.plaintext.length === 0);
    assert.equal((await p.write(kp.write_cap, kp.first_message_index, Buffer.from('again'), true)).error_code, 10);
    // A tombstone also overwrites a tombstone and an empty box.
    assert.equal((await p.write(kp.write_cap, kp.first_message_index, Buffer.alloc(0), true)).error_code, 0);
    const next = await p.next(kp.first_message_index);
    assert.equal((await p.write(kp.write_cap, next, Buffer.alloc(0), true)).error_code, 0);
    assert.equal((await p.read(kp.read_cap, next)).error_code, 11);
  });

  it('geometry: MaxPlaintextPayloadLength (1549) bytes fit, one more gives InvalidRequest (3)', async () => {
    const p = await peer();
    const kp = await p.keypair();
    const full = randomBytes(1549);
    assert.equal((await p.write(kp.write_cap, kp.first_message_index, full)).error_code, 0);
    assert.deepEqual(Buffer.from((await p.read(kp.read_cap, kp.first_message_index)).plaintext), full);
    const tooBig = await p.c.call('encrypt_write', { plaintext: randomBytes(1550), write_cap: kp.write_cap, message_box_index: kp.first_message_index });
    assert.equal(tooBig.error_code, 3);
    assert.equal(tooBig.message_ciphertext, null);
  });

  it('a read whose message_box_index differs from the encrypted one fails with 23', async () => {
    const p = await peer();
    const kp = await p.keypair();
    await p.write(kp.write_cap, kp.first_message_index, Buffer.from('m'));
    const e = await p.c.call('encrypt_read', { read_cap: kp.read_cap, message_box_index: kp.first_message_index });
    const r = await p.c.call('start_resending_encrypted_message', {
      read_cap: kp.read_cap, message_box_index: await p.next(kp.first_message_index),
      envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash,
    });
    assert.equal(r.error_code, 23);
  });

  it('validation: both caps, no cap, or a missing ciphertext give 3 at once', async () => {
    const p = await peer();
    const kp = await p.keypair();
    const e = await p.c.call('encrypt_read', { read_cap: kp.read_cap, message_box_index: kp.first_message_index });
    const base = { envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash };
    assert.equal((await p.c.call('start_resending_encrypted_message', { ...base, read_cap: kp.read_cap, write_cap: kp.write_cap, message_box_index: kp.first_message_index })).error_code, 3);
    assert.equal((await p.c.call('start_resending_encrypted_message', base)).error_code, 3);
    assert.equal((await p.c.call('start_resending_encrypted_message', { ...base, message_ciphertext: null, read_cap: kp.read_cap, message_box_index: kp.first_message_index })).error_code, 3);
    assert.equal((await p.c.call('encrypt_write', { write_cap: kp.write_cap, message_box_index: kp.first_message_index })).error_code, 3);
  });

  it('cancel: the blocked read gets 24 with its query_id first, then the cancel gets 0; unknown hashes get 0', async () => {
    const p = await peer();
    const kp = await p.keypair();
    const e = await p.c.call('encrypt_read', { read_cap: kp.read_cap, message_box_index: kp.first_message_index });
    const q = qid();
    p.c.send({ start_resending_encrypted_message: {
      query_id: q, read_cap: kp.read_cap, message_box_index: kp.first_message_index,
      envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash,
    } });
    assert.equal(await p.c.silentFor(30), true);
    const cq = qid();
    p.c.send({ cancel_resending_encrypted_message: { query_id: cq, envelope_hash: e.envelope_hash } });
    const first = await p.c.next();
    assert.equal(first.key, 'start_resending_encrypted_message_reply');
    assert.deepEqual(Buffer.from(first.body.query_id), q);
    assert.equal(first.body.error_code, 24);
    assert.equal(first.body.courier_identity_hash.length, 32);
    const second = await p.c.next('cancel_resending_encrypted_message_reply');
    assert.equal(second.body.error_code, 0);
    assert.equal((await p.c.call('cancel_resending_encrypted_message', { envelope_hash: randomBytes(32) })).error_code, 0);
    assert.equal((await p.c.call('cancel_resending_encrypted_message', {})).error_code, 3);
    // The cancelled read is gone: a later write does not produce a second reply.
    await p.write(kp.write_cap, kp.first_message_index, Buffer.from('after'));
    assert.equal(await p.c.silentFor(30), true);
  });

  it('a sequence of messages on one stream reads back in order through next_message_box_index', async () => {
    const alice = await peer();
    const bob = await peer();
    const kp = await alice.keypair();
    let wi: Buffer = kp.first_message_index;
    for (let i = 0; i < 5; i++) {
      assert.equal((await alice.write(kp.write_cap, wi, Buffer.from(`message ${i}`))).error_code, 0);
      wi = await alice.next(wi);
    }
    let ri: Buffer = kp.first_message_index;
    for (let i = 0; i < 5; i++) {
      assert.equal(Buffer.from((await bob.read(kp.read_cap, ri)).plaintext).toString(), `message ${i}`);
      ri = await bob.next(ri);
    }
  });
});
