// Hostile or broken input closes only the offending connection (thin-client §1.2, §1.7); other
// clients keep being served and nothing stored is lost.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Emulator } from '../../src/katzenpost/emulator/index.js';
import { Peer, RawClient, frameBytes, qid } from '../support/emulator-raw-client.js';

describe('emulator: bad input (thin-client §1.2)', () => {
  let emu: Emulator;
  let address: string;
  let bystander: Peer;
  let kp: Record<string, any>;
  const clients: RawClient[] = [];
  const open = async (): Promise<RawClient> => {
    const { client } = await RawClient.open(address);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    emu = await Emulator.start();
    address = await emu.listen('127.0.0.1:0');
    bystander = new Peer(await open());
    kp = await bystander.keypair();
    assert.equal((await bystander.write(kp.write_cap, kp.first_message_index, Buffer.from('precious'))).error_code, 0);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await emu.close();
  });

  async function assertOthersUnaffected(): Promise<void> {
    assert.equal(bystander.c.closed, false);
    const r = await bystander.read(kp.read_cap, kp.first_message_index, true);
    assert.equal(Buffer.from(r.plaintext).toString(), 'precious');
    assert.equal(emu.storedBoxes, 1);
    const fresh = new Peer(await open());
    assert.equal((await fresh.keypair()).error_code, 0);
  }

  const cases: [string, (c: RawClient) => void][] = [
    ['a frame longer than 40 MiB', (c) => c.writeRaw(Buffer.from([0x02, 0x80, 0x00, 0x01]))],
    ['garbage CBOR', (c) => c.writeRaw(Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from([0xff, 0xff, 0xff])]))],
    ['a truncated CBOR map', (c) => c.writeRaw(Buffer.concat([Buffer.from([0, 0, 0, 2]), Buffer.from([0xa2, 0x61])]))],
    ['a request that is not a map', (c) => c.writeRaw(frameBytes([1, 2, 3]))],
    ['a request body that is not a map', (c) => c.writeRaw(frameBytes({ new_keypair: 7 }))],
    ['a read cap of the wrong length', (c) => c.send({ encrypt_read: { query_id: qid(), read_cap: randomBytes(135), message_box_index: randomBytes(104) } })],
    ['a write cap of the wrong length', (c) => c.send({ encrypt_write: { query_id: qid(), plaintext: Buffer.from('x'), write_cap: randomBytes(167), message_box_index: randomBytes(104) } })],
    ['a write cap whose key does not match its seed', (c) => c.send({ encrypt_write: { query_id: qid(), plaintext: Buffer.from('x'), write_cap: randomBytes(168), message_box_index: randomBytes(104) } })],
    ['a message box index of the wrong length', (c) => c.send({ next_message_box_index: { query_id: qid(), message_box_index: randomBytes(103) } })],
    ['a field of the wrong CBOR type', (c) => c.send({ new_keypair: { query_id: qid(), seed: 'not bytes' } })],
    ['an envelope hash of the wrong length', (c) => c.send({ cancel_resending_encrypted_message: { query_id: qid(), envelope_hash: randomBytes(31) } })],
  ];
  for (const [name, act] of cases) {
    it(`${name}: that connection is closed with no reply, others unaffected, nothing lost`, async () => {
      const bad = await open();
      act(bad);
      await bad.closedPromise;
      assert.equal(await bad.silentFor(0), true, 'no error reply is sent');
      await assertOthersUnaffected();
    });
  }

  it('a frame split across many writes is still read correctly', async () => {
    const c = await open();
    const bytes = frameBytes({ new_keypair: { query_id: qid(), seed: randomBytes(32) } });
    for (const b of bytes) c.writeRaw(Buffer.from([b]));
    assert.equal((await c.next('new_keypair_reply')).body.error_code, 0);
  });

  it('a ciphertext that is not an envelope gets CourierInvalidEnvelope (31), a foreign descriptor 22', async () => {
    const p = new Peer(await open());
    const e = await p.c.call('encrypt_write', { plaintext: Buffer.from('x'), write_cap: kp.write_cap, message_box_index: kp.first_message_index });
    const base = { write_cap: kp.write_cap, envelope_descriptor: e.envelope_descriptor, envelope_hash: e.envelope_hash };
    assert.equal((await p.c.call('start_resending_encrypted_message', { ...base, message_ciphertext: randomBytes(2000) })).error_code, 31);
    const other = await p.c.call('encrypt_write', { plaintext: Buffer.from('y'), write_cap: kp.write_cap, message_box_index: kp.first_message_index });
    const r = await p.c.call('start_resending_encrypted_message', { ...base, message_ciphertext: e.message_ciphertext, envelope_descriptor: other.envelope_descriptor });
    assert.equal(r.error_code, 22);
    await assertOthersUnaffected();
  });

  it('a copy payload over 10 MiB is answered with InvalidRequest (3) and the connection stays open (§2.7)', async () => {
    const p = new Peer(await open());
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 0x61);
    const r = await p.c.call('create_courier_envelopes_from_payload', {
      payload: big, dest_write_cap: kp.write_cap, dest_start_index: kp.first_message_index, is_start: true, is_last: true,
    });
    assert.equal(r.error_code, 3);
    assert.equal(p.c.closed, false);
    const multi = await p.c.call('create_courier_envelopes_from_multi_payload', {
      destinations: [{ payload: big, write_cap: kp.write_cap, start_index: kp.first_message_index }], is_start: true, is_last: true, buffer: null,
    });
    assert.equal(multi.error_code, 3);
    assert.equal((await p.keypair()).error_code, 0, 'the same connection keeps working');
    await assertOthersUnaffected();
  });
});
