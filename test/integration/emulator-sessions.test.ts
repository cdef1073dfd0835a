// Handshake, sessions, back-pressure, restarts and concurrency (thin-client §1.4–1.7, §3.9).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator, FAST_OPTIONS, withOptions } from '../../src/katzenpost/emulator/index.js';
import { Peer, RawClient, qid } from '../support/emulator-raw-client.js';

describe('emulator: handshake, sessions, limits, restart (thin-client §1.4–1.7)', () => {
  let emu: Emulator;
  let address: string;
  const clients: RawClient[] = [];
  const open = async (token: Buffer | null = randomBytes(16)) => {
    const r = await RawClient.open(address, token);
    clients.push(r.client);
    return r;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await emu?.close();
  });

  describe('on one emulator', () => {
    beforeEach(async () => {
      emu = await Emulator.start({ options: withOptions(FAST_OPTIONS, { sessionGraceMs: 300 }) });
      address = await emu.listen('127.0.0.1:0');
    });

    it('speaks first: connection_status_event with the exact geometry keys, then the PKI document; every frame has all 25 keys', async () => {
      const { status, pki, session } = await open();
      assert.equal(status.key, 'connection_status_event');
      assert.equal(Object.keys(status.raw).length, 25);
      assert.equal(Object.values(status.raw).filter((v) => v !== null).length, 1);
      assert.equal(status.body.is_connected, true);
      assert.equal(status.body.err, null);
      assert.equal(status.body.instance_token.length, 16);
      assert.deepEqual(Object.keys(status.body.pigeonhole_geometry).sort(), [
        'CourierQueryReadLength', 'CourierQueryReplyReadLength', 'CourierQueryReplyWriteLength', 'CourierQueryWriteLength',
        'MaxPlaintextPayloadLength', 'NIKEName', 'SignatureSchemeName',
      ]);
      assert.equal(status.body.pigeonhole_geometry.MaxPlaintextPayloadLength, 1549);
      assert.equal(status.body.sphinx_geometry.UserForwardPayloadLength, 2000);
      assert.equal(Object.keys(status.body.sphinx_geometry).length, 14);
      assert.equal(pki.key, 'new_pki_document_event');
      assert.ok(pki.body.payload.length > 0);
      assert.equal(session!.body.resumed, false);
      assert.equal(session!.body.app_id.length, 16);
    });

    it('resumes a session across a dropped connection: same app_id, resumed true', async () => {
      const token = randomBytes(16);
      const first = await open(token);
      first.client.close();
      await first.client.closedPromise;
      const second = await open(token);
      assert.equal(second.session!.body.resumed, true);
      assert.deepEqual(second.session!.body.app_id, first.session!.body.app_id);
    });

    it('a read in flight across a drop can be cancelled from the resumed connection', async () => {
      const token = randomBytes(16);
      const first = await open(token);
      const p = new Peer(first.client);
      const kp = await p.keypair();
      const e = await p.c.call('encrypt_read', { read_cap: kp.read_cap, message_box_index: kp.first_message_index });
      p.c.send({ start_resending_encrypted_message: {
        query_id: qid(), read_cap: kp.read_cap, message_box_index: kp.first_message_index,
        envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash,
      } });
      await p.c.silentFor(20);
      first.client.close();
      await first.client.closedPromise;
      const second = await open(token);
      const cq = qid();
      second.client.send({ cancel_resending_encrypted_message: { query_id: cq, envelope_hash: e.envelope_hash } });
      const cancelled = await second.client.next('start_resending_encrypted_message_reply');
      assert.equal(cancelled.body.error_code, 24);
      assert.equal((await second.client.reply(cq)).body.error_code, 0);
    });

    it('a read that completes while its client is away is dropped, not queued (§1.6)', async () => {
      const token = randomBytes(16);
      const first = await open(token);
      const p = new Peer(first.client);
      const kp = await p.keypair();
      const e = await p.c.call('encrypt_read', { read_cap: kp.read_cap, message_box_index: kp.first_message_index });
      p.c.send({ start_resending_encrypted_message: {
        query_id: qid(), read_cap: kp.read_cap, message_box_index: kp.first_message_index,
        envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash,
      } });
      await p.c.silentFor(20);
      first.client.close();
      await first.client.closedPromise;
      const writer = new Peer((await open()).client);
      assert.equal((await writer.write(kp.write_cap, kp.first_message_index, Buffer.from('while away'))).error_code, 0);
      await writer.c.silentFor(20);
      const second = await open(token);
      assert.equal(second.session!.body.resumed, true);
      assert.equal(await second.client.silentFor(80), true, 'the completion was dropped');
      // And it did complete: cancelling it now finds nothing in flight (no 24, just the 0).
      second.client.send({ cancel_resending_encrypted_message: { query_id: qid(), envelope_hash: e.envelope_hash } });
      assert.equal((await second.client.next('cancel_resending_encrypted_message_reply')).body.error_code, 0);
    });

    it('thin_close forgets the token; a new connection with it starts a fresh session', async () => {
      const token = randomBytes(16);
      const first = await open(token);
      first.client.send({ thin_close: {} });
      await first.client.closedPromise;
      const second = await open(token);
      assert.equal(second.session!.body.resumed, false);
      assert.notDeepEqual(second.session!.body.app_id, first.session!.body.app_id);
    });

    it('a reconnect that arrives before the old socket closes keeps the session alive past the grace period', async () => {
      const token = randomBytes(16);
      const first = await open(token);
      const second = await open(token);
      assert.equal(second.session!.body.resumed, true);
      first.client.close();
      await first.client.closedPromise;
      await new Promise((r) => setTimeout(r, 450));
      const third = await open(token);
      assert.equal(third.session!.body.resumed, true);
      assert.deepEqual(third.session!.body.app_id, first.session!.body.app_id);
    });

    it('the grace period expires: after it a reconnect is not resumed', async () => {
      const token = randomBytes(16);
      const first = await open(token);
      first.client.close();
      await new Promise((r) => setTimeout(r, 450));
      assert.equal((await open(token)).session!.body.resumed, false);
    });

    it('an unknown request gets no reply and the connection keeps working', async () => {
      const { client } = await open();
      client.send({ no_such_request: { query_id: qid() } });
      client.send({});
      assert.equal(await client.silentFor(50), true);
      assert.equal(client.closed, false);
      assert.equal((await new Peer(client).keypair()).error_code, 0);
    });

    it('offline: status events announce it; the 17th unsent mixnet request blocks the reader until online', async () => {
      const { client } = await open();
      const p = new Peer(client);
      const kp = await p.keypair();
      emu.setOnline(false);
      assert.equal((await client.next('connection_status_event')).body.is_connected, false);
      const e = await client.call('encrypt_read', { read_cap: kp.read_cap, message_box_index: kp.first_message_index });
      for (let i = 0; i < 17; i++) {
        client.send({ start_resending_encrypted_message: {
          query_id: qid(), read_cap: kp.read_cap, message_box_index: kp.first_message_index, no_retry_on_box_id_not_found: true,
          envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: randomBytes(32),
        } });
      }
      const q = qid();
      client.send({ next_message_box_index: { query_id: q, message_box_index: kp.first_message_index } });
      assert.equal(await client.silentFor(80), true, 'a local request behind a full queue must wait');
      emu.setOnline(true);
      assert.equal((await client.next('connection_status_event')).body.is_connected, true);
      assert.equal((await client.reply(q)).body.error_code, 0);
      let notFound = 0;
      for (let i = 0; i < 17; i++) if ((await client.next('start_resending_encrypted_message_reply')).body.error_code === 1) notFound++;
      assert.equal(notFound, 17);
    });

    it('serves many clients at once over one shared store', async () => {
      const peers = await Promise.all(Array.from({ length: 6 }, async () => new Peer((await open()).client)));
      const kps = await Promise.all(peers.map((p) => p.keypair()));
      const reads = peers.map((p, i) => p.read(kps[(i + 1) % peers.length]!.read_cap, kps[(i + 1) % peers.length]!.first_message_index));
      const writes = await Promise.all(peers.map((p, i) => p.write(kps[i]!.write_cap, kps[i]!.first_message_index, Buffer.from(`from ${i}`))));
      assert.ok(writes.every((w) => w.error_code === 0));
      const got = await Promise.all(reads);
      got.forEach((r, i) => assert.equal(Buffer.from(r.plaintext).toString(), `from ${(i + 1) % peers.length}`));
    });

    it('listens on a unix socket path and a Linux abstract name too', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kb-emu-'));
      try {
        const path = await emu.listen(join(dir, 'kp.sock'));
        const r = await RawClient.open(path);
        clients.push(r.client);
        assert.equal(r.session!.body.resumed, false);
        const name = `@kb-emu-test-${process.pid}-${Date.now()}`;
        assert.equal(await emu.listen(name), name);
        const abstract = await RawClient.open(name);
        clients.push(abstract.client);
        assert.equal(abstract.session!.body.resumed, false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('restart with the same --data keeps every box and changes the instance token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-emu-data-'));
    try {
      emu = await Emulator.start({ dataDir: dir });
      address = await emu.listen('127.0.0.1:0');
      const a = await open();
      const p = new Peer(a.client);
      const kp = await p.keypair();
      let index: Buffer = kp.first_message_index;
      for (let i = 0; i < 3; i++) {
        assert.equal((await p.write(kp.write_cap, index, Buffer.from(`kept ${i}`))).error_code, 0);
        index = await p.next(index);
      }
      const e = await p.c.call('encrypt_read', { read_cap: kp.read_cap, message_box_index: kp.first_message_index });
      const shutdown = a.client.next('shutdown_event');
      await emu.close();
      assert.deepEqual((await shutdown).body, {});
      emu = await Emulator.start({ dataDir: dir });
      address = await emu.listen('127.0.0.1:0');
      const b = await open();
      assert.notDeepEqual(b.status.body.instance_token, a.status.body.instance_token);
      const q = new Peer(b.client);
      let ri: Buffer = kp.first_message_index;
      for (let i = 0; i < 3; i++) {
        assert.equal(Buffer.from((await q.read(kp.read_cap, ri, true)).plaintext).toString(), `kept ${i}`);
        ri = await q.next(ri);
      }
      // A ciphertext made before the restart is replayable byte for byte (§1.6).
      const replay = await q.c.call('start_resending_encrypted_message', {
        read_cap: kp.read_cap, message_box_index: kp.first_message_index,
        envelope_descriptor: e.envelope_descriptor, message_ciphertext: e.message_ciphertext, envelope_hash: e.envelope_hash,
      });
      assert.equal(Buffer.from(replay.plaintext).toString(), 'kept 0');
      assert.equal(emu.storedBoxes, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('emulator: legacy echo and big frames (thin-client §2.9, §1.2)', () => {
  let emu: Emulator;
  let address: string;
  const clients: RawClient[] = [];
  beforeEach(async () => {
    emu = await Emulator.start();
    address = await emu.listen('127.0.0.1:0');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await emu.close();
  });

  it('send_message to the echo service: message_sent_event then message_reply_event; queued for an absent session', async () => {
    const token = randomBytes(16);
    const a = await RawClient.open(address, token);
    clients.push(a.client);
    const { decode } = await import('cbor-x');
    const doc = decode(a.pki.body.payload) as Record<string, any>;
    const node = decode(doc.ServiceNodes[0]) as Record<string, any>;
    assert.equal(node.Kaetzchen.echo.endpoint, 'echo');
    assert.equal(node.Kaetzchen.courier.endpoint, 'courier');
    const { blake2b } = await import('@noble/hashes/blake2.js');
    const dest = Buffer.from(blake2b(node.IdentityKey, { dkLen: 32 }));
    const surb = randomBytes(16);
    a.client.send({ send_message: { id: null, with_surb: true, surbid: surb, destination_id_hash: dest, recipient_queue_id: Buffer.from('echo'), payload: Buffer.from('hello') } });
    assert.deepEqual((await a.client.next('message_sent_event')).body.surbid, surb);
    const reply = await a.client.next('message_reply_event');
    assert.equal(Buffer.from(reply.body.payload).subarray(0, 5).toString(), 'hello');
    // While away: the legacy events wait for the resumed session.
    emu.setOnline(false);
    await a.client.next('connection_status_event');
    a.client.send({ send_message: { id: null, with_surb: true, surbid: surb, destination_id_hash: dest, recipient_queue_id: Buffer.from('echo'), payload: Buffer.from('later') } });
    await a.client.silentFor(20);
    a.client.close();
    await a.client.closedPromise;
    emu.setOnline(true);
    await new Promise((r) => setTimeout(r, 20));
    const b = await RawClient.open(address, token);
    clients.push(b.client);
    assert.equal(b.session!.body.resumed, true);
    assert.equal((await b.client.next('message_sent_event')).key, 'message_sent_event');
    assert.equal(Buffer.from((await b.client.next('message_reply_event')).body.payload).subarray(0, 5).toString(), 'later');
  });

  it('accepts a 5 MiB frame (unknown keys are ignored) and answers it', async () => {
    const { client } = await RawClient.open(address);
    clients.push(client);
    const q = qid();
    client.send({ new_keypair: { query_id: q, seed: randomBytes(32), padding_we_ignore: randomBytes(5 * 1024 * 1024) } });
    assert.equal((await client.reply(q)).body.error_code, 0);
  });
});
