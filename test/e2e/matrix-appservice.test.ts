// User stories of issue 5 on the Matrix side, against a real Synapse (Debian's, in the cached
// chroot; test/support/servers): the Matrix frontend on matrix-appservice-bridge with the real
// bridge core and store, and Matrix users driving the client-server API. The Katzenpost side is
// the core's fake group side here (test/unit/bridge/fake-group-side.ts); the stories with the
// emulator and `katzenbridge peer` need the daemon's composition root (src/cli) first.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BridgeCore } from '../../src/bridge/index.js';
import { renderRegistration } from '../../src/cli/registration.js';
import type { Config } from '../../src/config/index.js';
import { asBoxCounter, asFrontendRoomId, type GroupId } from '../../src/ids/index.js';
import { MATRIX_FRONTEND_ID, NOTICES, ROOM_INFO_FORBIDDEN, startMatrix, type MatrixAppservice } from '../../src/matrix/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { freePort } from '../support/servers/free-port.js';
import { eventually as waitFor } from '../support/eventually.js';
import { MatrixUser } from '../support/matrix-user.js';
import { startSynapse, type SynapseServer } from '../support/servers/index.js';
import { FakeGroupSide, memberHex } from '../unit/bridge/fake-group-side.js';

const SERVER_START_TIMEOUT_MS = 15 * 60_000;

/** A Matrix user on the client-server API. */
class Client extends MatrixUser {
  async join(room: string): Promise<void> {
    await this.call('POST', `/join/${encodeURIComponent(room)}`, {});
  }

  async invite(room: string, userId: string): Promise<void> {
    await this.call('POST', `/rooms/${encodeURIComponent(room)}/invite`, { user_id: userId });
  }

  async invites(): Promise<string[]> {
    const r = await this.call<{ rooms?: { invite?: Record<string, unknown> } }>('GET', '/sync?timeout=0');
    return Object.keys(r.rooms?.invite ?? {});
  }

  async displayName(userId: string): Promise<string | undefined> {
    const r = await this.call<{ displayname?: string }>('GET', `/profile/${encodeURIComponent(userId)}`);
    return r.displayname;
  }
}

/** As the shared helper, with this file's shorter default wait (the group side is in-process). */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => waitFor(what, probe, timeoutMs, 200);

describe('e2e Matrix frontend on a real Synapse (issue 5 stories, group side faked)', function () {
  this.timeout(60_000);
  let tmp: string;
  let hs: SynapseServer;
  let store: Store;
  let core: BridgeCore;
  let matrix: MatrixAppservice;
  const group = new FakeGroupSide();
  let admin: Client;
  let alice: Client;
  let dm: string;
  let portal: string;
  let groupId: GroupId;
  let bot: string;

  before(async function () {
    this.timeout(SERVER_START_TIMEOUT_MS);
    tmp = await mkdtemp(join(tmpdir(), 'kb-e2e-matrix-'));
    const asPort = await freePort();
    const registration = join(tmp, 'registration.yaml');
    const tokens = { asToken: `as-${Date.now()}-e2e`, hsToken: `hs-${Date.now()}-e2e` };
    await writeFile(registration, renderRegistration({ url: `http://127.0.0.1:${asPort}`, domain: 'localhost', userPrefix: 'kp_', botLocalpart: 'katzenbridge', ...tokens }), { mode: 0o600 });
    hs = await startSynapse({ appserviceRegistrations: [registration] });
    bot = `@katzenbridge:${hs.serverName}`;
    const a = await hs.registerUser('admin', 'admin-password-1');
    const b = await hs.registerUser('alice', 'alice-password-1');
    admin = new Client(hs, a.userId, a.accessToken);
    alice = new Client(hs, b.userId, b.accessToken);
    await alice.call('PUT', `/profile/${encodeURIComponent(alice.userId)}/displayname`, { displayname: 'Alice' });

    store = await openStore({ databasePath: join(tmp, 'kb.db'), keyFile: join(tmp, 'secrets.key') });
    const bridgeConfig: Config['bridge'] = { admins: [admin.userId], join_policy: 'auto', puppet_display_name: '{name} ({network})', strip_image_metadata: true, max_file_bytes: 100_000 };
    core = new BridgeCore({ db: store.db, secrets: store.secrets, group, config: bridgeConfig, retry: { baseMs: 200, maxMs: 2000, noticeAfterAttempts: 50 } });
    matrix = await startMatrix({
      config: {
        homeserver: { url: hs.url, domain: hs.serverName, appservice: { port: asPort, bind_address: '127.0.0.1', registration, user_prefix: 'kp_', bot_localpart: 'katzenbridge' } },
        bridge: bridgeConfig,
      } as Pick<Config, 'homeserver' | 'bridge'>,
      core,
      db: store.db,
      portals: { isPortal: async (room) => (await core.stores.portals.byRoom(MATRIX_FRONTEND_ID, asFrontendRoomId(room))) !== undefined },
    });
    await core.start();
  });

  after(async function () {
    this.timeout(60_000);
    await matrix?.stop();
    await core?.stop();
    await store?.close();
    await hs?.destroy();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('a direct chat with the bot becomes the admin room, with a welcome', async () => {
    dm = (await admin.call<{ room_id: string }>('POST', '/createRoom', { is_direct: true, invite: [bot], preset: 'trusted_private_chat' })).room_id;
    await eventually('the welcome', async () => ((await admin.messages(dm)).some((e) => e.sender === bot && e.content['body'] === NOTICES.welcome) ? true : undefined));
  });

  it('create makes the group and a private portal room the admin is invited to', async () => {
    await admin.text(dm, 'create Friends');
    const answer = await eventually('the answer', async () => (await admin.messages(dm)).find((e) => e.sender === bot && String(e.content['body']).startsWith('Created group')));
    const room = /its room (\S+)\.$/.exec(String(answer.content['body']))?.[1];
    assert.ok(room, String(answer.content['body']));
    portal = room;
    assert.ok((await admin.invites()).includes(portal));
    await admin.join(portal);
    const create = await admin.call<{ 'm.federate'?: boolean }>('GET', `/rooms/${encodeURIComponent(portal)}/state/m.room.create/`);
    assert.equal(create['m.federate'], false);
    const rules = await admin.call<{ join_rule: string }>('GET', `/rooms/${encodeURIComponent(portal)}/state/m.room.join_rules/`);
    assert.equal(rules.join_rule, 'invite');
    groupId = (await core.stores.portals.list())[0]!.groupId;
  });

  it("a Matrix user's first message makes them a member under their display name; kinds arrive in order", async () => {
    await admin.invite(portal, alice.userId);
    await alice.join(portal);
    await alice.text(portal, 'hello group');
    await alice.send(portal, { msgtype: 'm.notice', body: 'a notice' });
    await alice.send(portal, { msgtype: 'm.emote', body: 'waves' });
    await eventually('three messages in the group', async () => (group.written.length >= 3 ? true : undefined));
    assert.deepEqual(group.introduced.map((i) => i.displayName), ['Alice (matrix)']);
    assert.deepEqual(group.written.map((w) => (w.message.kind === 'text' ? [w.message.text, w.message.emote === true] : [])), [['hello group', false], ['a notice', false], ['waves', true]]);
  });

  it('a Katzenpost member appears as a ghost with their name; replies and edits go both ways', async () => {
    const carol = memberHex(77);
    group.addMember(groupId, carol, 'Carol');
    await core.groupEvent({ type: 'text', groupId, member: carol, counter: asBoxCounter('0'), displayName: 'Carol', text: 'hi from katzenpost' });
    const shown = await eventually('the ghost message', async () => (await alice.messages(portal)).find((e) => e.content['body'] === 'hi from katzenpost'));
    assert.match(shown.sender, /^@kp_friends_[0-9a-f]{20}:/);
    assert.equal(await alice.displayName(shown.sender), 'Carol');

    const before = group.written.length;
    const reply = await alice.send(portal, { msgtype: 'm.text', body: '> <@x> hi\n\nhello Carol', 'm.relates_to': { 'm.in_reply_to': { event_id: shown.event_id } } });
    await alice.send(portal, { msgtype: 'm.text', body: '* hello Carol!', 'm.new_content': { msgtype: 'm.text', body: 'hello Carol!' }, 'm.relates_to': { rel_type: 'm.replace', event_id: reply } });
    await eventually('reply and edit in the group', async () => (group.written.length >= before + 2 ? true : undefined));
    const [r, e] = group.written.slice(before);
    assert.ok(r?.message.kind === 'text' && e?.message.kind === 'text');
    assert.equal(r.message.text, 'hello Carol');
    assert.deepEqual(r.message.replyTo, { member: carol, counter: '0' });
    assert.deepEqual(e.message.editOf, { member: r.member, counter: r.counter });

    await core.groupEvent({ type: 'text', groupId, member: carol, counter: asBoxCounter('1'), displayName: 'Carol', text: 'hi again', editOf: { member: carol, counter: asBoxCounter('0') } });
    const edit = await eventually('the ghost edit', async () => (await alice.messages(portal)).find((x) => x.content['body'] === '* hi again'));
    assert.deepEqual(edit.content['m.relates_to'], { rel_type: 'm.replace', event_id: shown.event_id });
  });

  it('bad input from Matrix: a malformed event is skipped, an unknown type gets a notice, and the portal keeps working', async () => {
    const before = group.written.length;
    await alice.send(portal, { msgtype: 'm.text', body: 'x', format: 'org.matrix.custom.html', formatted_body: { not: 'text' } });
    const odd = await alice.send(portal, { msgtype: 'org.example.poll', body: 'vote?' });
    const notice = await eventually('the unsupported notice', async () =>
      (await alice.messages(portal)).find((e) => e.sender === bot && (e.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id === odd),
    );
    assert.equal(notice.content['body'], NOTICES.unsupported('a message of type org.example.poll'));
    await alice.text(portal, 'still bridged');
    await eventually('the next message in the group', async () => (group.written.length > before ? true : undefined));
    assert.deepEqual(group.written.slice(before).map((w) => (w.message.kind === 'text' ? w.message.text : '')), ['still bridged']);
  });

  it('a 10,000-character display name from Katzenpost is shown capped', async () => {
    const long = memberHex(78);
    group.addMember(groupId, long, 'N'.repeat(10_000));
    await core.groupEvent({ type: 'text', groupId, member: long, counter: asBoxCounter('0'), displayName: 'N'.repeat(10_000), text: 'long name here' });
    const shown = await eventually('the message', async () => (await alice.messages(portal)).find((e) => e.content['body'] === 'long name here'));
    const name = (await alice.displayName(shown.sender)) ?? '';
    assert.ok(name.startsWith('NNNN') && [...name].length <= 64, `${name.length} characters`);
  });

  it('a file from Katzenpost arrives in the media repository with its type, name and bytes', async () => {
    const carol = memberHex(77);
    const bytes = new Uint8Array(Array.from({ length: 5000 }, (_, i) => i % 251));
    await core.groupEvent({ type: 'file', groupId, member: carol, counter: asBoxCounter('5'), displayName: 'Carol', basename: 'photo.png', filetype: 'image/png', bytes });
    const shown = await eventually('the image', async () => (await alice.messages(portal)).find((e) => e.content['msgtype'] === 'm.image'));
    assert.equal(shown.content['body'], 'photo.png');
    assert.deepEqual(shown.content['info'], { mimetype: 'image/png', size: 5000 });
    const mxc = /^mxc:\/\/([^/]+)\/(.+)$/.exec(String(shown.content['url']));
    assert.ok(mxc);
    const res = await fetch(`${hs.url}/_matrix/client/v1/media/download/${mxc[1]}/${mxc[2]}`, { headers: { authorization: `Bearer ${alice.token}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
  });

  it('a file from Matrix reaches the group with its name, type and bytes', async () => {
    const bytes = new Uint8Array(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
    const up = await fetch(`${hs.url}/_matrix/media/v3/upload?filename=notes.pdf`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/pdf' }, body: bytes });
    const { content_uri } = (await up.json()) as { content_uri: string };
    const before = group.written.length;
    await alice.send(portal, { msgtype: 'm.file', body: 'notes.pdf', url: content_uri, info: { mimetype: 'application/pdf', size: bytes.length } });
    await eventually('the file in the group', async () => (group.written.length > before ? true : undefined));
    const w = group.written[before]!;
    assert.ok(w.message.kind === 'file');
    assert.deepEqual([w.message.basename, w.message.filetype], ['notes.pdf', 'application/pdf']);
    assert.deepEqual(new Uint8Array(w.message.bytes), bytes);
  });

  it("a non-admin's command is refused", async () => {
    const own = (await alice.call<{ room_id: string }>('POST', '/createRoom', { is_direct: true, invite: [bot] })).room_id;
    await eventually('the welcome', async () => ((await alice.messages(own)).some((e) => e.sender === bot) ? true : undefined));
    await alice.text(own, 'create Mine');
    const answer = await eventually('the refusal', async () => (await alice.messages(own)).find((e) => e.sender === bot && e.content['body'] !== NOTICES.welcome));
    assert.match(String(answer.content['body']), /admin/i);
    assert.equal((await core.stores.portals.list()).length, 1);
  });

  it('unlink, then link the group to an existing room the bot was invited to: name and topic follow', async () => {
    const existing = (await admin.call<{ room_id: string }>('POST', '/createRoom', {
      name: 'old name',
      invite: [bot],
      power_level_content_override: { users: { [admin.userId]: 100, [bot]: 50 } },
    })).room_id;
    await admin.text(dm, `unlink ${groupId}`);
    await eventually('the unlink answer', async () => (await admin.messages(dm)).find((e) => e.sender === bot && String(e.content['body']).startsWith('Unlinked')));
    await admin.text(dm, `link ${groupId} ${existing}`);
    await eventually('the link answer', async () => (await admin.messages(dm)).find((e) => e.sender === bot && String(e.content['body']).startsWith('Linked')));
    const name = await admin.call<{ name: string }>('GET', `/rooms/${encodeURIComponent(existing)}/state/m.room.name/`);
    assert.equal(name.name, 'Friends');
    await admin.text(existing, 'from the linked room');
    await eventually('the message in the group', async () => (group.written.some((w) => w.message.kind === 'text' && w.message.text === 'from the linked room') ? true : undefined));
    // Back to the first room for the stories below.
    await admin.text(dm, `unlink ${groupId}`);
    await admin.text(dm, `link ${groupId} ${portal}`);
    await eventually('linked back', async () => ((await core.stores.portals.list())[0]!.rooms.get(MATRIX_FRONTEND_ID) === portal ? true : undefined));
  });

  it('linking a room where the bot may not set the name works, and the room is told why the name stays', async () => {
    const weak = (await admin.call<{ room_id: string }>('POST', '/createRoom', { name: 'weak', invite: [bot] })).room_id;
    await admin.text(dm, `unlink ${groupId}`);
    await admin.text(dm, `link ${groupId} ${weak}`);
    await eventually('the link answer', async () => (await admin.messages(dm)).find((e) => e.sender === bot && e.content['body'] === `Linked ${groupId} to ${weak}.`));
    assert.ok((await admin.messages(weak)).some((e) => e.sender === bot && e.content['body'] === ROOM_INFO_FORBIDDEN));
    await admin.text(dm, `unlink ${groupId}`);
    await admin.text(dm, `link ${groupId} ${portal}`);
    await eventually('linked back', async () => ((await core.stores.portals.list())[0]!.rooms.get(MATRIX_FRONTEND_ID) === portal ? true : undefined));
  });

  it('an encrypted room gets a notice and nothing else', async () => {
    const enc = (await admin.call<{ room_id: string }>('POST', '/createRoom', {
      invite: [bot],
      initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
    })).room_id;
    await eventually('the encryption notice', async () => ((await admin.messages(enc)).some((e) => e.sender === bot && e.content['body'] === NOTICES.encrypted) ? true : undefined));
  });

  it('the homeserver stopped during traffic: everything queued arrives in order once it is back', async function () {
    this.timeout(180_000);
    const carol = memberHex(77);
    await hs.stop();
    for (let i = 0; i < 10; i++) await core.groupEvent({ type: 'text', groupId, member: carol, counter: asBoxCounter(String(10 + i)), displayName: 'Carol', text: `queued ${i}` });
    await new Promise((r) => setTimeout(r, 3000));
    await hs.start();
    const want = Array.from({ length: 10 }, (_, i) => `queued ${i}`);
    const got = await eventually(
      'the queued messages',
      async () => {
        const bodies = (await alice.messages(portal)).map((e) => String(e.content['body'])).filter((b) => b.startsWith('queued '));
        return bodies.length >= 10 ? bodies : undefined;
      },
      120_000,
    );
    assert.deepEqual(got, want);
  });
});
