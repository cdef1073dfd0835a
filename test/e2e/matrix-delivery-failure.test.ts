// A Matrix message whose delivery to Katzenpost fails for good (DESIGN.md §4 "Failures are shown
// where the message was sent"), end to end: a real Synapse, `katzenbridge run` as its own process
// on the embedded emulator, a Katzenpost member (`katzenbridge peer`) on the same emulator.
// Alice's puppet stream is forked for real: the test reads her puppet's write cap and next index
// out of the bridge's sealed state (the key file is in the config) and writes a different box
// there with a thin client of its own, as a second copy of the bridge restored from a backup
// would. Her next message is refused by the replicas (box already exists, code 10): the bot's
// notice sits next to it, once, with no secret in it; the bridge stays up, and Bob's message
// afterwards still reaches the member.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SealedGroupStateStore } from '../../src/bridge/index.js';
import { encodeGroupChatMessage, MsgType, planBoxes, type MemberRecord } from '../../src/groupchat/index.js';
import { ThinClient } from '../../src/katzenpost/client/index.js';
import { Database, SecretBox } from '../../src/store/index.js';
import { startKatzenbridge, type KatzenbridgeProcess } from '../support/bridge-process.js';
import { eventually, peerEvents } from '../support/eventually.js';
import { MatrixUser, type RoomEvent } from '../support/matrix-user.js';
import { scanForSecrets, type SecretToFind } from '../support/secret-scan.js';
import { freePort } from '../support/servers/free-port.js';
import { startSynapse, type SynapseServer } from '../support/servers/index.js';

const SERVER_START_TIMEOUT_MS = 15 * 60_000;

class Client extends MatrixUser {}

const inReplyTo = (e: RoomEvent): string | undefined =>
  (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id;

describe('e2e Matrix delivery failure: a message Katzenpost refuses for good gets its notice beside it (bridge process, Synapse, emulator)', function () {
  this.timeout(120_000);
  let dir: string;
  let hs: SynapseServer;
  let config: string;
  let bridge: KatzenbridgeProcess | undefined;
  let peer: KatzenbridgeProcess | undefined;
  let forger: ThinClient | undefined;
  let admin: Client;
  let alice: Client;
  let dm: string;
  let portal: string;
  let group: string;
  /** Alice's puppet stream as the bridge stored it, read from its sealed state. */
  let alicePuppet: MemberRecord;
  const bot = '@katzenbridge:localhost';
  const daemon = (): string => `unix:${dir}/state/kpclientd.sock`;

  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  const botSays = async (room: string, re: RegExp, after = 0, reader: Client = admin): Promise<RoomEvent> =>
    eventually(`the bot to say ${re}`, async () => (await reader.messages(room)).slice(after).find((e) => e.sender === bot && re.test(String(e.content['body']))));
  const texts = (): Array<Record<string, unknown>> => peerEvents(peer!).filter((e) => e['type'] === 'text' && e['groupId'] === group);

  before(async function () {
    this.timeout(SERVER_START_TIMEOUT_MS);
    dir = mkdtempSync(join(tmpdir(), 'kb-e2e-mxfail-'));
    const asPort = await freePort();
    config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'homeserver:',
        '  url: http://127.0.0.1:9', // rewritten below once Synapse has its port
        '  domain: localhost',
        '  appservice:',
        `    port: ${asPort}`,
        `    registration: ${dir}/registration.yaml`,
        'bridge:',
        '  admins: ["@admin:localhost"]',
        '  join_policy: auto',
        'store:',
        `  path: ${dir}/state/katzenbridge.db`,
        'secrets:',
        `  key_file: ${dir}/state/secrets.key`,
        'metrics:',
        `  listen: 127.0.0.1:${await freePort()}`,
        '',
      ].join('\n'),
    );
    const gen = startKatzenbridge(['generate-registration', '-c', config, '-u', `http://127.0.0.1:${asPort}`, '-f', join(dir, 'registration.yaml')]);
    assert.equal((await gen.exited).code, 0, gen.stderr());
    hs = await startSynapse({ appserviceRegistrations: [join(dir, 'registration.yaml')] });
    writeFileSync(config, readFileSync(config, 'utf8').replace('http://127.0.0.1:9', hs.url));
    const a = await hs.registerUser('admin', 'admin-password-1');
    const b = await hs.registerUser('alice', 'alice-password-1');
    admin = new Client(hs, a.userId, a.accessToken);
    alice = new Client(hs, b.userId, b.accessToken);
    await alice.call('PUT', `/profile/${encodeURIComponent(alice.userId)}/displayname`, { displayname: 'Alice' });
    bridge = startKatzenbridge(['run', '-c', config, '--emulator-profile', 'fast']);
    await bridge.waitFor(/started summary=/, 60_000);
  });

  after(async function () {
    this.timeout(60_000);
    await forger?.close().catch(() => undefined);
    peer?.child.stdin.end('quit\n');
    await peer?.stop().catch(() => undefined);
    await bridge?.stop().catch(() => undefined);
    await hs?.destroy();
    if (failed) {
      if (bridge) writeFileSync(join(dir, 'bridge.log'), bridge.stdout() + bridge.stderr());
      if (peer) writeFileSync(join(dir, 'peer.log'), peer.stdout() + peer.stderr());
      console.log(`bridge and peer logs kept in ${dir}`);
    } else rmSync(dir, { recursive: true, force: true });
  });

  it('a group with a Katzenpost member; Alice’s first message is delivered (the bot’s read receipt lands on it)', async () => {
    dm = (await admin.call<{ room_id: string }>('POST', '/createRoom', { is_direct: true, invite: [bot] })).room_id;
    await botSays(dm, /admin room/);
    await admin.text(dm, 'create Friends');
    const created = await botSays(dm, /^Created group/);
    const m = /^Created group (\S+) "Friends" and its room (\S+)\.$/.exec(String(created.content['body']));
    assert.ok(m, String(created.content['body']));
    group = m[1]!;
    portal = m[2]!;
    await admin.call('POST', `/join/${encodeURIComponent(portal)}`, {});
    await admin.call('POST', `/rooms/${encodeURIComponent(portal)}/invite`, { user_id: alice.userId });
    await alice.call('POST', `/join/${encodeURIComponent(portal)}`, {});

    peer = startKatzenbridge(['peer', '--state', join(dir, 'peer'), '--daemon', daemon()]);
    await eventually('the peer to start', () => peerEvents(peer!).find((e) => e['type'] === 'ready'));
    peer.child.stdin.write(`mint ${group} Kim\n`);
    const minted = await eventually('a voucher', () => peerEvents(peer!).find((e) => e['command'] === 'mint'));
    await admin.text(dm, `induct ${group} ${String(minted['voucher'])}`);
    const notice = await botSays(portal, /^Join request #\d+: "Kim"/);
    await admin.text(dm, `approve ${/#(\d+)/.exec(String(notice.content['body']))![1]}`);
    await eventually('the peer to join', () => peerEvents(peer!).find((e) => e['type'] === 'joined'));

    const first = await alice.text(portal, 'before the fork');
    await eventually('her message at the member', () => texts().find((e) => e['text'] === 'before the fork'));
    // The receipt is sent once the engine has stored her stream's next index (outbound.ts).
    await eventually('the bot’s read receipt', async () => ((await alice.readReceipts(portal))[bot] === first ? true : undefined), 30_000);
  });

  it('someone else writes at her puppet stream’s next index: a thin client with her write cap, read from the bridge’s sealed state', async () => {
    // Read beside the running bridge (sqlite WAL); no migration, no write: only SELECTs.
    const db = await Database.open(join(dir, 'state', 'katzenbridge.db'));
    try {
      const store = new SealedGroupStateStore(db, SecretBox.fromKeyFile(join(dir, 'state', 'secrets.key')));
      const members = (await Promise.all((await store.listGroups()).map((g) => store.listMembers(g.groupId)))).flat();
      const puppets = members.filter((x) => x.ownStream && /Alice/.test(x.displayName));
      assert.equal(puppets.length, 1, JSON.stringify(members.map((x) => x.displayName)));
      alicePuppet = puppets[0]!;
    } finally {
      await db.close();
    }
    const first = texts().find((e) => e['text'] === 'before the fork')!;
    assert.equal(first['member'], alicePuppet.memberKey, 'the stream read is the one her message came from');
    const own = alicePuppet.ownStream!;
    assert.equal(own.pendingBox, undefined);

    // The other copy's box: a well-formed group chat text, so the member can read what it says.
    const cbor = encodeGroupChatMessage({ version: 0, membershipHash: new Uint8Array(32), msgType: MsgType.TEXT, text: 'written by another copy' });
    const plan = planBoxes(cbor);
    assert.equal(plan.layout, 'single');
    if (plan.layout !== 'single') return;
    forger = new ThinClient({ address: daemon() });
    await forger.connect();
    // Strict, so this test knows the box is really there (not silently dropped by the replicas).
    await forger.writeBox(own.writeCap, own.nextWriteIndex, plan.ownBox, { noIdempotentBoxAlreadyExists: true });
    await eventually('the member to read the other copy’s box', () => texts().find((e) => e['text'] === 'written by another copy' && e['member'] === alicePuppet.memberKey));
  });

  it('her next message is refused for good: one notice in reply to it, in plain words, no secret; the bridge stays up', async function () {
    this.timeout(90_000);
    const mark = bridge!.stdout().length + bridge!.stderr().length;
    const second = await alice.text(portal, 'after the fork');
    const notice = await botSays(portal, /was not delivered/, 0, alice);
    assert.equal(inReplyTo(notice), second, JSON.stringify(notice.content));
    assert.match(
      String(notice.content['body']),
      /^Your message "after the fork" was not delivered to the group: someone else has already written to your Katzenpost stream in this group.*second copy of this bridge, restored from a backup.*please tell an admin\.$/,
    );
    // Once: give a retry time to show up, then count.
    await new Promise((r) => setTimeout(r, 5000));
    const aboutIt = (await alice.messages(portal)).filter((e) => e.sender === bot && (inReplyTo(e) === second || /after the fork/.test(String(e.content['body']))));
    assert.equal(aboutIt.length, 1, JSON.stringify(aboutIt.map((e) => e.content['body'])));
    assert.ok(!(await alice.messages(portal)).some((e) => e.sender === bot && /delayed/.test(String(e.content['body']))), 'final at once, never "delayed"');
    assert.ok(!texts().some((e) => e['text'] === 'after the fork'), 'the member never got it');
    assert.notEqual((await alice.readReceipts(portal))[bot], second, 'no delivered status on it');
    assert.equal(bridge!.child.exitCode, null, 'the bridge is still running');

    const log = (bridge!.stdout() + bridge!.stderr()).slice(mark);
    assert.match(log, /outbound\.send_failed .*code=group_rejected/);
    const secrets: SecretToFind[] = [
      { label: 'alice write cap', value: alicePuppet.ownStream!.writeCap },
      { label: 'alice next index', value: alicePuppet.ownStream!.nextWriteIndex },
    ];
    assert.deepEqual(scanForSecrets(JSON.stringify(notice.content), secrets), []);
    assert.deepEqual(scanForSecrets(bridge!.stdout() + bridge!.stderr(), secrets), []);
  });

  it('the queue moves on: Bob joins the portal and his message reaches the member, with the bot’s read receipt', async () => {
    const c = await hs.registerUser('bob', 'bob-password-1');
    const bob = new Client(hs, c.userId, c.accessToken);
    await bob.call('PUT', `/profile/${encodeURIComponent(bob.userId)}/displayname`, { displayname: 'Bob' });
    await admin.call('POST', `/rooms/${encodeURIComponent(portal)}/invite`, { user_id: bob.userId });
    await bob.call('POST', `/join/${encodeURIComponent(portal)}`, {});
    const sent = await bob.text(portal, 'hello from bob');
    const got = await eventually('Bob’s message at the member', () => texts().find((e) => e['text'] === 'hello from bob'));
    assert.notEqual(got['member'], alicePuppet.memberKey, 'from his own stream');
    await eventually('the bot’s read receipt on Bob’s message', async () => ((await bob.readReceipts(portal))[bot] === sent ? true : undefined), 30_000);
    assert.equal(bridge!.child.exitCode, null);
  });
});
