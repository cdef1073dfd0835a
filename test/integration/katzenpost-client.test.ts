// The thin client against the real emulator (thin-client §2, §3): every call, end to end.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { DaemonError } from '../../src/katzenpost/protocol/index.js';
import { ThinClient, ThinClientError } from '../../src/katzenpost/client/index.js';
import { type EmulatorFixture, startEmulator } from '../support/emulator-fixture.js';

const te = new TextEncoder();
const td = new TextDecoder();
const isKind = (kind: string) => (e: unknown): boolean => e instanceof DaemonError && e.code === kind;

describe('katzenpost client × emulator: Pigeonhole calls (thin-client §2, §3)', () => {
  let emu: EmulatorFixture;
  const clients: ThinClient[] = [];
  const client = async (): Promise<ThinClient> => {
    const c = new ThinClient({ address: emu.address, reconnectInitialMs: 20, reconnectMaxMs: 100 });
    clients.push(c);
    await c.connect();
    return c;
  };
  // §3.9.7: KATZENPOST_THIN_ADDR runs the same calls against a real kpclientd (e.g. the docker
  // testnet on localhost:64331) instead of the emulator; expect seconds per round trip there.
  const real = process.env['KATZENPOST_THIN_ADDR'];
  beforeEach(async () => {
    emu = real ? { address: real, emulator: undefined as never, stop: async () => undefined } : await startEmulator({ copyReadTimeoutMs: 300 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await emu.stop();
  });

  it('handshake: geometry, PKI epoch, a new session', async () => {
    const c = new ThinClient({ address: emu.address });
    clients.push(c);
    const info = await c.connect();
    assert.equal(info.resumed, false);
    assert.equal(info.appId.length, 16);
    assert.equal(c.maxPlaintextPayloadLength, 1549);
    assert.equal(c.status?.pigeonholeGeometry.CourierQueryWriteLength, 2000);
    assert.equal(typeof c.pkiDocument?.Epoch, 'bigint');
  });

  it('new_keypair is deterministic in the seed and lays out RC = WC[32:], first index = RC[32:]', async () => {
    const c = await client();
    const seed = new Uint8Array(randomBytes(32));
    const a = await c.newKeypair(seed);
    const b = await c.newKeypair(seed);
    assert.deepEqual(a, b);
    assert.deepEqual(a.readCap, a.writeCap.subarray(32));
    assert.deepEqual(a.firstMessageIndex, a.readCap.subarray(32));
  });

  it('write then read returns the exact bytes; indices agree between encrypt, next and counter', async () => {
    const alice = await client();
    const bob = await client();
    const s = await alice.newKeypair();
    const next = await alice.writeBox(s.writeCap, s.firstMessageIndex, te.encode('hello bob'));
    assert.deepEqual(next, await alice.nextMessageBoxIndex(s.firstMessageIndex));
    const got = await bob.readBox(s.readCap, s.firstMessageIndex);
    assert.equal(td.decode(got.plaintext), 'hello bob');
    assert.deepEqual(got.nextIndex, next);
    const counter = await bob.getMessageBoxIndexCounter(s.firstMessageIndex);
    assert.equal(counter, Buffer.from(s.firstMessageIndex.subarray(0, 8)).readBigUInt64LE());
    assert.equal(await bob.getMessageBoxIndexCounter(next), counter + 1n);
  });

  it('a full 1549-byte box round-trips; a fail-fast read of an empty box is box_not_found', async () => {
    const c = await client();
    const s = await c.newKeypair();
    const full = new Uint8Array(randomBytes(1549));
    const next = await c.writeBox(s.writeCap, s.firstMessageIndex, full);
    assert.deepEqual((await c.readBox(s.readCap, s.firstMessageIndex)).plaintext, full);
    await assert.rejects(c.readBox(s.readCap, next, { noRetryOnBoxIdNotFound: true }), isKind('box_not_found'));
  });

  it('tombstones: a tombstoned box reads as tombstone; client-side tombstoneRange writes several', async () => {
    const c = await client();
    const s = await c.newKeypair();
    let idx = s.firstMessageIndex;
    const indices: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      indices.push(idx);
      idx = await c.writeBox(s.writeCap, idx, te.encode(`m${i}`));
    }
    const range = await c.tombstoneRange(s.writeCap, s.firstMessageIndex, 3);
    assert.deepEqual(range.nextIndex, idx);
    for (const e of range.envelopes) await c.startResendingWrite(s.writeCap, e);
    for (const i of indices) await assert.rejects(c.readBox(s.readCap, i), isKind('tombstone'));
  });

  it('an identical rewrite succeeds; a strict conflicting write is box_already_exists', async () => {
    const c = await client();
    const s = await c.newKeypair();
    await c.writeBox(s.writeCap, s.firstMessageIndex, te.encode('one'));
    await c.writeBox(s.writeCap, s.firstMessageIndex, te.encode('one'), { noIdempotentBoxAlreadyExists: true });
    await assert.rejects(
      c.writeBox(s.writeCap, s.firstMessageIndex, te.encode('two'), { noIdempotentBoxAlreadyExists: true }),
      isKind('box_already_exists'),
    );
  });

  it('a blocking read long-polls until the box is written', async () => {
    const alice = await client();
    const bob = await client();
    const s = await alice.newKeypair();
    const read = bob.readBox(s.readCap, s.firstMessageIndex);
    await new Promise((r) => setTimeout(r, 50));
    await alice.writeBox(s.writeCap, s.firstMessageIndex, te.encode('late'));
    assert.equal(td.decode((await read).plaintext), 'late');
  });

  it('aborting a long-poll cancels it in the daemon and frees its slot; an explicit cancel yields cancelled', async () => {
    const c = await client();
    const s = await c.newKeypair();
    const ac = new AbortController();
    const read = c.readBox(s.readCap, s.firstMessageIndex, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 30));
    ac.abort();
    await assert.rejects(read, (e: unknown) => e instanceof ThinClientError && e.code === 'aborted');
    const deadline = Date.now() + 2000;
    while (c.stats.pending > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(c.stats, { inFlightMixnet: 0, queued: 0, pending: 0 });

    const m = await c.encryptRead(s.readCap, s.firstMessageIndex);
    const poll = c.startResendingRead(s.readCap, s.firstMessageIndex, m);
    const cancelled = assert.rejects(poll, isKind('cancelled'));
    await new Promise((r) => setTimeout(r, 30));
    await c.cancelResendingEncryptedMessage(m.envelopeHash);
    await cancelled;
  });

  it('reading with the wrong index fails BACAP decryption', async () => {
    const c = await client();
    const s = await c.newKeypair();
    const next = await c.writeBox(s.writeCap, s.firstMessageIndex, te.encode('x'));
    const m = await c.encryptRead(s.readCap, s.firstMessageIndex);
    await assert.rejects(c.startResendingRead(s.readCap, next, m), isKind('bacap_decryption_failed'));
  });

  /** Writes copy-stream elements into a fresh temporary stream; returns its write cap. */
  async function uploadTemp(c: ThinClient, envelopes: readonly Uint8Array[]): Promise<Uint8Array> {
    const temp = await c.newKeypair();
    let idx = temp.firstMessageIndex;
    for (const e of envelopes) idx = await c.writeBox(temp.writeCap, idx, e);
    return temp.writeCap;
  }

  it('copy: multi-payload to two streams plus a tombstone range, applied atomically by the courier', async () => {
    const c = await client();
    const a = await c.newKeypair();
    const b = await c.newKeypair();
    const old = await c.newKeypair();
    await c.writeBox(old.writeCap, old.firstMessageIndex, te.encode('old'));
    const multi = await c.createCourierEnvelopesFromMultiPayload([
      { payload: te.encode('to A'), writeCap: a.writeCap, startIndex: a.firstMessageIndex },
      { payload: te.encode('to B'), writeCap: b.writeCap, startIndex: b.firstMessageIndex },
    ], { isStart: true, isLast: false });
    assert.equal(multi.nextDestIndices.length, 2);
    const tomb = await c.createCourierEnvelopesFromTombstoneRange(old.writeCap, old.firstMessageIndex, 1, { isStart: false, isLast: true, buffer: multi.buffer });
    const tempWc = await uploadTemp(c, [...multi.envelopes, ...tomb.envelopes]);
    await c.startResendingCopyCommand(tempWc);
    assert.equal(td.decode((await c.readBox(a.readCap, a.firstMessageIndex)).plaintext), 'to A');
    assert.equal(td.decode((await c.readBox(b.readCap, b.firstMessageIndex)).plaintext), 'to B');
    assert.deepEqual(multi.nextDestIndices[0], await c.nextMessageBoxIndex(a.firstMessageIndex));
    await assert.rejects(c.readBox(old.readCap, old.firstMessageIndex), isKind('tombstone'));
  });

  it('copy: single payload; a conflict fails with 26, the replica code and the envelope position', async () => {
    const c = await client();
    const d = await c.newKeypair();
    const one = await c.createCourierEnvelopesFromPayload(te.encode('copied'), d.writeCap, d.firstMessageIndex, { isStart: true, isLast: true });
    await c.startResendingCopyCommand(await uploadTemp(c, one.envelopes));
    assert.equal(td.decode((await c.readBox(d.readCap, d.firstMessageIndex)).plaintext), 'copied');

    const conflict = await c.createCourierEnvelopesFromPayload(te.encode('different'), d.writeCap, d.firstMessageIndex, { isStart: true, isLast: true });
    await assert.rejects(c.startResendingCopyCommand(await uploadTemp(c, conflict.envelopes)), (e: unknown) =>
      e instanceof DaemonError && e.code === 'copy_failed' && e.replicaErrorCode === 10 && e.failedEnvelopeIndex === 1);
  });

  it('vouchers: mint, derive, induct and open agree end to end', async () => {
    const joiner = await client();
    const inductor = await client();
    const own = await joiner.newKeypair();
    const v = await joiner.voucherMint(own.writeCap, 'Bob');
    assert.equal(v.voucher.length, 32);
    const derived = await inductor.voucherDeriveStream(v.voucher);
    assert.deepEqual(derived.voucherWriteCap, v.voucherWriteCap);
    const who = te.encode('who-reply');
    const ind = await inductor.voucherInduct(v.voucher, v.voucherPayload, who);
    assert.equal(ind.displayName, 'Bob');
    const opened = await joiner.voucherOpen(v.voucherSecretKey, ind.sealedReply, own.writeCap);
    assert.deepEqual(opened.whoReply, who);
    assert.deepEqual(opened.salt, ind.salt);
    // what the joiner writes with the mutated write cap, the inductor reads with the mutated read cap
    const first = opened.mutatedMessageWriteCap.subarray(64);
    await joiner.writeBox(opened.mutatedMessageWriteCap, first, te.encode('hi group'));
    assert.equal(td.decode((await inductor.readBox(ind.mutatedMessageReadCap, first)).plaintext), 'hi group');
    const tampered = new Uint8Array(v.voucherPayload);
    tampered[tampered.length - 1]! ^= 1;
    await assert.rejects(inductor.voucherInduct(v.voucher, tampered, who), (e: unknown) => e instanceof DaemonError && e.code.startsWith('voucher_'));
  });

  it('PKI document and directory authorities', async () => {
    const c = await client();
    const doc = await c.getPkiDocument();
    assert.ok(doc.payload.length > 0);
    assert.equal(doc.epoch, c.pkiDocument?.Epoch);
    const auth = await c.getDirectoryAuthorities();
    assert.ok(auth.length >= 1);
  });
});
