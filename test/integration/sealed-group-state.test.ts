import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SealedGroupStateStore } from '../../src/bridge/index.js';
import { importLegacyGroupState } from '../../src/cli/daemon/group-engine.js';
import { FileGroupStateStore } from '../../src/groupchat/file-state-store.js';
import { asGroupId, memberKeyOf, type GroupRecord, type MemberRecord, type PendingJoinRecord } from '../../src/groupchat/index.js';
import { openStore, SecretBox, StoreError, type Queryable, type Store } from '../../src/store/index.js';
import { FakePigeonhole, newStream } from '../unit/groupchat/engine-fake-port.js';
import { Peer, isType } from '../unit/groupchat/engine-harness.js';

// The engine's GroupStateStore in the bridge's sqlite database, sealed (issue 8: secrets at rest).

const G = asGroupId('club');
const quiet = { log: () => undefined };

function group(over: Partial<GroupRecord> = {}): GroupRecord {
  const s = newStream();
  return { groupId: G, selfName: 'bridge', writeCap: s.writeCap, nextWriteIndex: s.firstIndex, arrivalSeq: 7, status: 'member', createdAtMs: 1, ...over };
}

// A field a later engine might add: nested, with bytes, bigints (small, u64 max, beyond u64,
// negative), null and a large number; it must come back exactly, types included.
const FUTURE = { x: new Uint8Array([1]), small: 5n, max: 2n ** 64n - 1n, huge: 2n ** 70n, neg: -3n, nested: { list: [1, null, 'a'], ms: 1_795_000_000_000 } };

function member(name: string, over: Partial<MemberRecord> = {}): MemberRecord {
  const s = newStream();
  return {
    groupId: G,
    memberKey: memberKeyOf(s.readCap),
    displayName: name,
    readCap: s.readCap,
    cursor: s.firstIndex,
    source: 'introduction',
    active: true,
    addedAtMs: 2,
    reassembly: { role: 'own', pieces: [new Uint8Array([1, 2, 3])], expectedChunks: null, boxesSeen: 0, finished: false },
    ...over,
  };
}

describe('sealed group chat state in sqlite (integration)', () => {
  let dir: string;
  let store: Store;
  const open = async (): Promise<Store> => openStore({ databasePath: join(dir, 'kb.db'), keyFile: join(dir, 'secrets.key') });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kb-sealed-'));
    store = await open();
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips every record kind exactly, bytes as plain Uint8Arrays, members in the order added, unknown fields kept', async () => {
    const s = new SealedGroupStateStore(store.db, store.secrets);
    const g = group();
    const puppet = newStream();
    const ownStream = { writeCap: puppet.writeCap, nextWriteIndex: puppet.firstIndex, introduced: true, lastSent: { msgId: new Uint8Array(16).fill(9), counter: '3' } };
    const members = [member('zed'), member('amy', { source: 'puppet', readCap: puppet.readCap, memberKey: memberKeyOf(puppet.readCap), ownStream }), member('bob')];
    const join: PendingJoinRecord = { groupId: G, voucherHex: 'ab'.repeat(32), voucher: new Uint8Array(32).fill(0xab), state: 'pending_approval', requestedName: 'eve', voucherPayload: new Uint8Array([5]), createdAtMs: 3 };
    const voucher = { groupId: asGroupId('other'), voucher: new Uint8Array(32).fill(1), voucherSecretKey: new Uint8Array(32).fill(2), voucherReadCap: newStream().readCap, replyIndex: newStream().firstIndex, createdAtMs: 4 };
    await s.putGroup(g);
    for (const m of members) await s.putMember(m);
    await s.putPendingJoin(join);
    await s.putJoinerVoucher(voucher);
    await s.putGroup({ ...g, groupId: asGroupId('later'), futureField: FUTURE } as unknown as GroupRecord);

    await store.close();
    store = await open();
    const t = new SealedGroupStateStore(store.db, store.secrets);
    assert.deepEqual(await t.getGroup(G), g);
    assert.deepEqual((await t.listGroups()).map((x) => x.groupId), ['club', 'later']);
    assert.deepEqual((await t.getGroup(asGroupId('later')) as unknown as { futureField: unknown }).futureField, FUTURE);
    const back = await t.listMembers(G);
    assert.deepEqual(back, members);
    assert.equal(Object.getPrototypeOf(back[1]!.ownStream!.writeCap), Uint8Array.prototype, 'not a Buffer');
    assert.deepEqual(await t.listPendingJoins(G), [join]);
    assert.deepEqual(await t.getJoinerVoucher(asGroupId('other')), voucher);
    await t.deletePendingJoin(G, join.voucherHex);
    await t.deleteJoinerVoucher(asGroupId('other'));
    assert.deepEqual(await t.listPendingJoins(G), []);
    assert.equal(await t.getJoinerVoucher(asGroupId('other')), undefined);
  });

  it('keeps no write cap, read cap, member key or voucher in the clear in the database files', async () => {
    const s = new SealedGroupStateStore(store.db, store.secrets);
    const g = group();
    const m = member('amy');
    const puppet = newStream();
    const p = member('pat', { source: 'puppet', readCap: puppet.readCap, memberKey: memberKeyOf(puppet.readCap), ownStream: { writeCap: puppet.writeCap, nextWriteIndex: puppet.firstIndex, introduced: true } });
    const voucher = new Uint8Array(randomBytes(32));
    const voucherSecretKey = new Uint8Array(randomBytes(32));
    await s.putGroup(g);
    await s.putMember(m);
    await s.putMember(p);
    await s.putJoinerVoucher({ groupId: asGroupId('other'), voucher: new Uint8Array(randomBytes(32)), voucherSecretKey, voucherReadCap: newStream().readCap, replyIndex: newStream().firstIndex, createdAtMs: 1 });
    await s.putPendingJoin({ groupId: G, voucherHex: Buffer.from(voucher).toString('hex'), voucher, state: 'awaiting_payload', createdAtMs: 1 });
    await store.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    await store.close();
    const files = readdirSync(dir).filter((f) => f.startsWith('kb.db')).map((f) => readFileSync(join(dir, f)));
    const all = Buffer.concat(files);
    for (const [what, secret] of [
      ['own write cap', g.writeCap.subarray(0, 64)],
      ['member read cap', m.readCap.subarray(32, 96)],
      ['puppet stream write cap', puppet.writeCap.subarray(0, 64)],
      ['joiner voucher secret key', voucherSecretKey],
      ['member key (hex)', Buffer.from(m.memberKey)],
      ['voucher', voucher],
      ['voucher (hex)', Buffer.from(Buffer.from(voucher).toString('hex'))],
    ] as const) {
      assert.equal(all.indexOf(Buffer.from(secret)), -1, `${what} found in the database files`);
    }
    store = await open();
  });

  it('a sealed record copied to another row, or read with another key, does not open: a named error without secrets', async () => {
    const s = new SealedGroupStateStore(store.db, store.secrets);
    const a = member('amy');
    const b = member('bob');
    await s.putMember(a);
    await s.putMember(b);
    await store.db.run('UPDATE groupchat_members SET record_sealed = (SELECT record_sealed FROM groupchat_members WHERE seq = 1) WHERE seq = 2');
    await assert.rejects(s.listMembers(G), (e: unknown) => {
      assert.ok(e instanceof StoreError && e.code === 'secret_box_open', String(e));
      assert.ok(!e.message.includes(a.memberKey) && !e.message.includes(b.memberKey), e.message);
      return true;
    });
    const other = new SealedGroupStateStore(store.db, new SecretBox(new Uint8Array(32).fill(7)));
    await s.putGroup(group());
    await assert.rejects(other.getGroup(G), (e: unknown) => e instanceof StoreError && e.code === 'secret_box_open');
  });

  it('commitRead is atomic: if the group write fails, the member keeps its old cursor', async () => {
    const s = new SealedGroupStateStore(store.db, store.secrets);
    const g = group();
    const m = member('amy');
    await s.putGroup(g);
    await s.putMember(m);
    const failing = {
      ...store.db,
      all: store.db.all.bind(store.db),
      get: store.db.get.bind(store.db),
      run: store.db.run.bind(store.db),
      exec: store.db.exec.bind(store.db),
      transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
        store.db.transaction((tx) =>
          fn({ ...tx, run: (sql, p) => (sql.includes('groupchat_groups') ? Promise.reject(new Error('disk full')) : tx.run(sql, p)), get: tx.get.bind(tx), all: tx.all.bind(tx), exec: tx.exec.bind(tx) }),
        ),
    };
    const broken = new SealedGroupStateStore(failing, store.secrets);
    const moved = { ...m, cursor: newStream().firstIndex };
    await assert.rejects(broken.commitRead(moved, { ...g, arrivalSeq: 8 }), /disk full/);
    assert.deepEqual((await s.listMembers(G))[0]!.cursor, m.cursor);
    assert.equal((await s.getGroup(G))!.arrivalSeq, 7);
  });

  it('an engine on it delivers, restarts on the same database without repeating or losing a message', async () => {
    const net = new FakePigeonhole();
    const bridge = new Peer('bridge', net.port(), new SealedGroupStateStore(store.db, store.secrets));
    const alice = new Peer('alice', net.port());
    await bridge.engine.start();
    await alice.engine.start();
    const gb = await bridge.engine.createGroup(G, 'bridge');
    const ga = await alice.engine.createGroup(G, 'alice');
    await bridge.engine.addMember(G, 'alice', ga.record.writeCap.slice(32));
    await alice.engine.addMember(G, 'bridge', gb.record.writeCap.slice(32));
    await alice.engine.sendText(G, 'one');
    await bridge.waitFor(isType('text', (e) => e.text === 'one'));
    await bridge.engine.stop();
    await alice.engine.sendText(G, 'two');
    const again = new Peer('bridge-2', net.port(), new SealedGroupStateStore(store.db, store.secrets));
    await again.engine.start();
    await again.waitFor(isType('text', (e) => e.text === 'two'));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(again.texts(G), ['two']);
    await again.engine.stop();
    await alice.engine.stop();
  });

  it('imports the JSON state of earlier versions once, then moves the file aside', async () => {
    const stateDir = join(dir, 'state');
    const legacy = FileGroupStateStore.open(join(stateDir, 'groupchat'));
    const g = group();
    const m = member('amy');
    await legacy.putGroup(g);
    await legacy.putMember(m);
    const s = new SealedGroupStateStore(store.db, store.secrets);
    const logged: string[] = [];
    await importLegacyGroupState(s, stateDir, { log: (_l, event) => void logged.push(event) }, 1234);
    assert.deepEqual(await s.getGroup(G), g);
    assert.deepEqual(await s.listMembers(G), [m]);
    assert.ok(!existsSync(join(stateDir, 'groupchat', 'groupchat-state.json')));
    assert.ok(existsSync(join(stateDir, 'groupchat', 'groupchat-state.json.imported-1234')));
    assert.deepEqual(logged, ['groupchat.state_imported']);
    await importLegacyGroupState(s, stateDir, quiet);
    assert.equal((await s.listMembers(G)).length, 1);
  });

  it('a JSON state that fails half-way imports nothing and stays in place; a database that already holds groups imports nothing', async () => {
    const stateDir = join(dir, 'state');
    mkdirSync(join(stateDir, 'groupchat'), { recursive: true });
    const file = join(stateDir, 'groupchat', 'groupchat-state.json');
    const b64 = (b: Uint8Array): { $b64: string } => ({ $b64: Buffer.from(b).toString('base64') });
    const g = group();
    // The group is fine; the member after it has no member key, so its write throws inside the
    // import's transaction.
    writeFileSync(
      file,
      JSON.stringify({
        groups: [{ ...g, writeCap: b64(g.writeCap), nextWriteIndex: b64(g.nextWriteIndex) }],
        members: [{ groupId: G, displayName: 'amy', readCap: b64(newStream().readCap), cursor: b64(newStream().firstIndex), source: 'manual', active: true, addedAtMs: 1 }],
        pendingJoins: [],
        joinerVouchers: [],
      }),
      { mode: 0o600 },
    );
    const s = new SealedGroupStateStore(store.db, store.secrets);
    const logged: string[] = [];
    await assert.rejects(importLegacyGroupState(s, stateDir, { log: (_l, event) => void logged.push(event) }, 1));
    assert.equal(await s.isEmpty(), true, 'the group written before the failure was rolled back');
    assert.ok(existsSync(file), 'the file stays, so a fixed version can import it');
    assert.equal(logged.length, 0);

    await s.putGroup(group({ groupId: asGroupId('already') }));
    await importLegacyGroupState(s, stateDir, { log: (_l, event) => void logged.push(event) }, 2);
    assert.deepEqual((await s.listGroups()).map((x) => x.groupId), ['already']);
    assert.ok(existsSync(file));
    assert.equal(logged.length, 0);
  });
});
