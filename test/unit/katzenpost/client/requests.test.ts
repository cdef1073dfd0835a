import { strict as assert } from 'node:assert';
import { blake2b } from '@noble/hashes/blake2.js';
import { DaemonError } from '../../../../src/katzenpost/protocol/index.js';
import { ThinClientError } from '../../../../src/katzenpost/client/index.js';
import { fill } from '../../../support/fake-daemon.js';
import { MBI, RC, WC, message, setup, tick, track } from './support.js';

const isAborted = (e: unknown): boolean => e instanceof ThinClientError && e.code === 'aborted';
const hex = (u: Uint8Array | null | undefined): string => Buffer.from(u ?? []).toString('hex');

describe('katzenpost client: requests (thin-client §1.7, §2)', () => {
  it('matches replies by query id when they come back out of order', async () => {
    const { daemon, client, done } = await setup({ autoLocal: false });
    try {
      const idx = [1, 2, 3].map((i) => fill(104, i));
      const calls = idx.map((i) => client.nextMessageBoxIndex(i));
      const reqs = await daemon.waitFor('next_message_box_index', 3);
      for (const r of [...reqs].reverse()) {
        const sent = r.req.key === 'next_message_box_index' ? r.req.body.message_box_index! : new Uint8Array();
        r.conn.reply(r, 'next_message_box_index_reply', { next_message_box_index: fill(104, sent[0]! + 100) });
      }
      const got = await Promise.all(calls);
      assert.deepEqual(got.map((g) => g[0]), [101, 102, 103]);
    } finally {
      await done();
    }
  });

  it('decodes a read result and maps daemon error codes to DaemonError kinds', async () => {
    const { daemon, client, done } = await setup();
    try {
      const read = client.startResendingRead(RC, MBI, message(1), { noRetryOnBoxIdNotFound: true });
      const [r] = await daemon.waitFor('start_resending_encrypted_message');
      const body = r!.req.key === 'start_resending_encrypted_message' ? r!.req.body : undefined;
      assert.equal(body?.no_retry_on_box_id_not_found, true);
      assert.equal(body?.write_cap, null);
      assert.deepEqual(body?.read_cap, RC);
      r!.conn.reply(r!, 'start_resending_encrypted_message_reply', { plaintext: new Uint8Array([104, 105]), courier_identity_hash: fill(32, 9), courier_queue_id: fill(3, 1) });
      assert.deepEqual([...(await read).plaintext!], [104, 105]);

      for (const [code, kind] of [[11, 'tombstone'], [1, 'box_not_found'], [3, 'bad_request_or_replica_fault'], [32, 'stale_epoch']] as const) {
        const p = client.startResendingRead(RC, MBI, message(code));
        const all = await daemon.waitFor('start_resending_encrypted_message', daemon.requests('start_resending_encrypted_message').length + 1);
        const last = all[all.length - 1]!;
        last.conn.reply(last, 'start_resending_encrypted_message_reply', { error_code: code });
        await assert.rejects(p, (e: unknown) => e instanceof DaemonError && e.code === kind && e.errorCode === code);
      }
    } finally {
      await done();
    }
  });

  it('reports a failed copy with replica code and envelope position', async () => {
    const { daemon, client, done } = await setup();
    try {
      const p = client.startResendingCopyCommand(WC);
      const [r] = await daemon.waitFor('start_resending_copy_command');
      r!.conn.reply(r!, 'start_resending_copy_command_reply', { error_code: 26, replica_error_code: 10, failed_envelope_index: 2 });
      await assert.rejects(p, (e: unknown) => e instanceof DaemonError && e.code === 'copy_failed' && e.replicaErrorCode === 10 && e.failedEnvelopeIndex === 2);
    } finally {
      await done();
    }
  });

  it('never has more than 16 unanswered mixnet requests on the wire; local calls still flow', async () => {
    const { daemon, client, done } = await setup();
    try {
      const writes = Array.from({ length: 20 }, (_, i) => track(client.startResendingWrite(WC, message(i))));
      await daemon.waitFor('start_resending_encrypted_message', 16);
      await tick(30);
      assert.equal(daemon.requests('start_resending_encrypted_message').length, 16);
      assert.deepEqual(client.stats, { inFlightMixnet: 16, queued: 4, pending: 20 });
      // a local call is not held back by the full mixnet window
      assert.equal((await client.nextMessageBoxIndex(MBI)).length, 104);
      for (const r of daemon.requests('start_resending_encrypted_message').slice(0, 2)) r.conn.reply(r, 'start_resending_encrypted_message_reply', {});
      await daemon.waitFor('start_resending_encrypted_message', 18);
      await tick(30);
      assert.equal(daemon.requests('start_resending_encrypted_message').length, 18);
      for (const r of daemon.requests('start_resending_encrypted_message').slice(2)) r.conn.reply(r, 'start_resending_encrypted_message_reply', {});
      await daemon.waitFor('start_resending_encrypted_message', 20);
      for (const r of daemon.requests('start_resending_encrypted_message').slice(18)) r.conn.reply(r, 'start_resending_encrypted_message_reply', {});
      await daemon.until(() => writes.every((w) => w.settled()), 'all writes settled');
      assert.ok(writes.every((w) => w.error() === undefined));
      assert.deepEqual(client.stats, { inFlightMixnet: 0, queued: 0, pending: 0 });
    } finally {
      await done();
    }
  });

  it('abort of a sent write rejects at once, cancels by envelope hash, and frees the slot only when the daemon answers', async () => {
    const { daemon, client, done } = await setup({}, { maxUnsentMixnet: 1 });
    try {
      const ac = new AbortController();
      const first = track(client.startResendingWrite(WC, message(7), { signal: ac.signal }));
      const second = track(client.startResendingWrite(WC, message(8)));
      const [r1] = await daemon.waitFor('start_resending_encrypted_message');
      daemon.onRequest = (r) => r.req.key === 'cancel_resending_encrypted_message';
      ac.abort();
      await tick(1);
      assert.ok(isAborted(first.error()));
      const [c] = await daemon.waitFor('cancel_resending_encrypted_message');
      assert.equal(hex(c!.req.key === 'cancel_resending_encrypted_message' ? c!.req.body.envelope_hash : null), hex(message(7).envelopeHash));
      await tick(20);
      assert.equal(daemon.requests('start_resending_encrypted_message').length, 1, 'slot still held until the daemon confirms');
      // §2.5: code 24 to the original call, then 0 to the cancel
      r1!.conn.reply(r1!, 'start_resending_encrypted_message_reply', { error_code: 24 });
      c!.conn.reply(c!, 'cancel_resending_encrypted_message_reply', {});
      const [, r2] = await daemon.waitFor('start_resending_encrypted_message', 2);
      r2!.conn.reply(r2!, 'start_resending_encrypted_message_reply', {});
      await daemon.until(() => second.settled(), 'second write');
      assert.equal(second.error(), undefined);
      assert.equal(client.stats.pending, 0);
    } finally {
      await done();
    }
  });

  it('abort of a queued request never sends it; an already-aborted signal rejects without sending', async () => {
    const { daemon, client, done } = await setup({}, { maxUnsentMixnet: 1 });
    try {
      void client.startResendingWrite(WC, message(1)).catch(() => undefined);
      const ac = new AbortController();
      const queued = client.startResendingWrite(WC, message(2), { signal: ac.signal });
      await daemon.waitFor('start_resending_encrypted_message');
      ac.abort();
      await assert.rejects(queued, isAborted);
      await assert.rejects(client.newKeypair(undefined, { signal: AbortSignal.abort() }), isAborted);
      await tick(20);
      assert.equal(daemon.requests('start_resending_encrypted_message').length, 1);
      assert.equal(daemon.requests('new_keypair').length, 0);
      assert.equal(client.stats.queued, 0);
    } finally {
      await done();
    }
  });

  it('abort of a copy cancels by BLAKE2b-256 of the write cap; explicit cancel rejects the original with cancelled', async () => {
    const { daemon, client, done } = await setup();
    try {
      const ac = new AbortController();
      const copy = client.startResendingCopyCommand(WC, { signal: ac.signal });
      await daemon.waitFor('start_resending_copy_command');
      ac.abort();
      await assert.rejects(copy, isAborted);
      const [c] = await daemon.waitFor('cancel_resending_copy_command');
      assert.equal(hex(c!.req.key === 'cancel_resending_copy_command' ? c!.req.body.write_cap_hash : null), hex(blake2b(WC, { dkLen: 32 })));

      const write = client.startResendingWrite(WC, message(3));
      const [r] = await daemon.waitFor('start_resending_encrypted_message');
      daemon.onRequest = (x) => {
        if (x.req.key !== 'cancel_resending_encrypted_message') return false;
        r!.conn.reply(r!, 'start_resending_encrypted_message_reply', { error_code: 24 });
        x.conn.reply(x, 'cancel_resending_encrypted_message_reply', {});
        return true;
      };
      const rejected = assert.rejects(write, (e: unknown) => e instanceof DaemonError && e.code === 'cancelled');
      await client.cancelResendingEncryptedMessage(message(3).envelopeHash);
      await rejected;
    } finally {
      await done();
    }
  });

  it('calls every local Pigeonhole and voucher request with the right wire key', async () => {
    const { daemon, client, done } = await setup({ autoLocal: false });
    daemon.onRequest = (r) => {
      const body = (r.req as { body: Record<string, unknown> }).body;
      const q = { query_id: body['query_id'], error_code: 0 };
      const c = r.conn;
      switch (r.req.key) {
        case 'get_message_box_index_counter': c.send('get_message_box_index_counter_reply', { ...q, counter: 2n ** 62n + 1n } as never); return true;
        case 'create_courier_envelopes_from_payload': c.send('create_courier_envelopes_from_payload_reply', { ...q, envelopes: [fill(3, 1)], next_dest_index: MBI } as never); return true;
        case 'create_courier_envelopes_from_multi_payload': c.send('create_courier_envelopes_from_multi_payload_reply', { ...q, envelopes: [], buffer: fill(5, 1), next_dest_indices: [MBI, MBI] } as never); return true;
        case 'create_courier_envelopes_from_tombstone_range': c.send('create_courier_envelopes_from_tombstone_range_reply', { ...q, envelopes: [fill(2, 2)], buffer: null, next_dest_index: MBI } as never); return true;
        case 'get_pki_document': c.send('get_pki_document_reply', { ...q, payload: fill(9, 9), epoch: 5n } as never); return true;
        case 'get_directory_authorities': c.send('get_directory_authorities_reply', { ...q, error_code: 10 } as never); return true;
        case 'voucher_mint': c.send('voucher_mint_reply', { ...q, voucher: fill(32, 1), voucher_payload: fill(10, 1), voucher_write_cap: WC, voucher_read_cap: RC, voucher_secret_key: fill(32, 2), voucher_public_key: fill(32, 3) } as never); return true;
        case 'voucher_induct': c.send('voucher_induct_reply', { ...q, display_name: 'Bob', mutated_message_read_cap: RC, sealed_reply: fill(20, 1), voucher_write_cap: WC, voucher_read_cap: RC, salt: fill(32, 4) } as never); return true;
        case 'voucher_open': c.send('voucher_open_reply', { ...q, error_code: 30 } as never); return true;
        case 'voucher_derive_stream': c.send('voucher_derive_stream_reply', { ...q, voucher_write_cap: WC, voucher_read_cap: RC } as never); return true;
        default: return false;
      }
    };
    try {
      assert.equal(await client.getMessageBoxIndexCounter(MBI), 2n ** 62n + 1n);
      assert.equal((await client.createCourierEnvelopesFromPayload(fill(10, 1), WC, MBI, { isStart: true, isLast: true })).envelopes.length, 1);
      const multi = await client.createCourierEnvelopesFromMultiPayload([{ payload: fill(3, 1), writeCap: WC, startIndex: MBI }], { isStart: true, isLast: false });
      assert.equal(multi.nextDestIndices.length, 2);
      const tomb = await client.createCourierEnvelopesFromTombstoneRange(WC, MBI, 1, { isStart: false, isLast: true, buffer: multi.buffer });
      assert.equal(tomb.buffer, null);
      const [tr] = daemon.requests('create_courier_envelopes_from_tombstone_range');
      assert.deepEqual(tr!.req.key === 'create_courier_envelopes_from_tombstone_range' && tr!.req.body.buffer, fill(5, 1));
      assert.equal((await client.getPkiDocument()).epoch, 5n);
      await assert.rejects(client.getDirectoryAuthorities(), (e: unknown) => e instanceof DaemonError && e.code === 'service_unavailable');
      const v = await client.voucherMint(WC, 'Alice');
      assert.equal(v.voucherReadCap.length, 136);
      assert.equal((await client.voucherInduct(v.voucher, v.voucherPayload, fill(4, 1))).displayName, 'Bob');
      await assert.rejects(client.voucherOpen(fill(32, 1), fill(20, 1), WC), (e: unknown) => e instanceof DaemonError && e.code === 'voucher_seal_open_failed');
      assert.equal((await client.voucherDeriveStream(v.voucher)).voucherWriteCap.length, 168);
    } finally {
      await done();
    }
  });
});

describe('katzenpost client: settling every promise (thin-client §1.6)', () => {
  it('close() rejects sent and locally queued mixnet requests alike', async () => {
    const { client, daemon, done } = await setup({}, { maxUnsentMixnet: 2 });
    const writes = [1, 2, 3, 4].map((i) => client.startResendingWrite(WC, message(i)));
    const all = Promise.allSettled(writes);
    await daemon.waitFor('start_resending_encrypted_message', 2);
    await client.close();
    const settled = await all;
    assert.ok(settled.every((s) => s.status === 'rejected' && s.reason instanceof ThinClientError && s.reason.code === 'closed'));
    assert.deepEqual(client.stats, { inFlightMixnet: 0, queued: 0, pending: 0 });
    await done();
  });

  it('a call made while reconnecting is sent once the session is back', async () => {
    const { client, daemon, done } = await setup({}, { reconnectInitialMs: 200, reconnectMaxMs: 200 });
    try {
      daemon.dropAll();
      await daemon.until(() => client.state === 'reconnecting', 'reconnecting');
      const kp = client.newKeypair();
      assert.equal(daemon.requests('new_keypair').length, 0);
      assert.equal((await kp).readCap.length, 136);
      assert.equal(daemon.requests('new_keypair').length, 1);
    } finally {
      await done();
    }
  });

  it('a reply under the wrong key for a query id rejects that call; an unknown query id is reported, not fatal', async () => {
    const { client, daemon, done } = await setup({ autoLocal: false });
    try {
      const unmatched: string[] = [];
      client.on('unmatchedReply', (k) => unmatched.push(k));
      const p = client.nextMessageBoxIndex(MBI);
      const [r] = await daemon.waitFor('next_message_box_index');
      r!.conn.send('new_keypair_reply', { query_id: fill(16, 0x77), error_code: 0, write_cap: WC, read_cap: RC, first_message_index: MBI });
      r!.conn.reply(r!, 'encrypt_read_reply', { error_code: 3 });
      await assert.rejects(p, (e: unknown) => e instanceof ThinClientError && e.code === 'reply_mismatch');
      assert.deepEqual(unmatched, ['new_keypair_reply']);
      assert.equal(client.state, 'connected');
    } finally {
      await done();
    }
  });
});

describe('katzenpost client: one ARQ entry per envelope (thin-client §3.7)', () => {
  it('refuses to resend an envelope that is already in flight', async () => {
    const { client, daemon, done } = await setup();
    try {
      const first = track(client.startResendingWrite(WC, message(9)));
      await daemon.waitFor('start_resending_encrypted_message');
      await assert.rejects(client.startResendingWrite(WC, message(9)), (e: unknown) => e instanceof ThinClientError && e.code === 'duplicate_in_flight');
      assert.equal(first.settled(), false);
    } finally {
      await done();
    }
  });

  it('after an abort, the same envelope is sent again only once the daemon confirmed the cancel', async () => {
    const { client, daemon, done } = await setup();
    try {
      daemon.onRequest = (r) => r.req.key === 'cancel_resending_encrypted_message';
      const ac = new AbortController();
      const first = client.startResendingWrite(WC, message(9), { signal: ac.signal });
      const [orig] = await daemon.waitFor('start_resending_encrypted_message');
      ac.abort();
      await assert.rejects(first, (e: unknown) => e instanceof ThinClientError && e.code === 'aborted');
      const again = track(client.startResendingWrite(WC, message(9)));
      const [cancel] = await daemon.waitFor('cancel_resending_encrypted_message');
      await tick(20);
      assert.equal(daemon.requests('start_resending_encrypted_message').length, 1, 'held back while the old ARQ may still run');
      orig!.conn.reply(orig!, 'start_resending_encrypted_message_reply', { error_code: 24 });
      cancel!.conn.reply(cancel!, 'cancel_resending_encrypted_message_reply', {});
      const [, second] = await daemon.waitFor('start_resending_encrypted_message', 2);
      second!.conn.reply(second!, 'start_resending_encrypted_message_reply', {});
      await daemon.until(() => again.settled(), 'second write');
      assert.equal(again.error(), undefined);
    } finally {
      await done();
    }
  });
});
