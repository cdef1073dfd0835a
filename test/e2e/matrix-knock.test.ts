// Knocking and delivery status (issue 6) end to end: a real Synapse, `katzenbridge run` as its own
// process on the embedded emulator, Matrix users on the client-server API and a Katzenpost member
// (`katzenbridge peer`). The config asks for knock rooms (homeserver.portal_join_rule) and
// approval (bridge.join_policy): a denied knock is turned away by Synapse with the bridge's reason,
// says so in the room and writes nothing to the group; an approved one is invited, joins, is
// introduced, is heard, and sees the bot's read receipt once her message reached Katzenpost.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKatzenbridge, type KatzenbridgeProcess } from '../support/bridge-process.js';
import { eventually, peerEvents } from '../support/eventually.js';
import { MatrixUser, type RoomEvent } from '../support/matrix-user.js';
import { freePort } from '../support/servers/free-port.js';
import { startSynapse, type SynapseServer } from '../support/servers/index.js';

const SERVER_START_TIMEOUT_MS = 15 * 60_000;

class Client extends MatrixUser {}

describe('e2e Matrix: knocks become join requests; delivery status (issue 6)', function () {
  this.timeout(120_000);
  let dir: string;
  let hs: SynapseServer;
  let bridge: KatzenbridgeProcess | undefined;
  let peer: KatzenbridgeProcess | undefined;
  let admin: Client;
  let dm: string;
  let portal: string;
  let group: string;
  let failed = false;
  const bot = '@katzenbridge:localhost';

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  const botSays = async (room: string, re: RegExp, after = 0): Promise<RoomEvent> =>
    eventually(`the bot to say ${re}`, async () => (await admin.messages(room)).slice(after).find((e) => e.sender === bot && re.test(String(e.content['body']))));

  const newUser = async (name: string, displayName: string): Promise<Client> => {
    const u = await hs.registerUser(name, `${name}-password-1`);
    const c = new Client(hs, u.userId, u.accessToken);
    await c.call('PUT', `/profile/${encodeURIComponent(c.userId)}/displayname`, { displayname: displayName });
    return c;
  };

  /** Knocks and waits for the bridge's join request notice; resolves with its number. */
  const knock = async (who: Client, name: string): Promise<string> => {
    const before = (await admin.messages(portal)).length;
    await who.call('POST', `/knock/${encodeURIComponent(portal)}`, { reason: 'may I?' });
    const notice = await botSays(portal, new RegExp(`^Join request #\\d+: "${name}`), before);
    return /#(\d+)/.exec(String(notice.content['body']))![1]!;
  };

  const membership = async (user: string): Promise<{ membership?: string; reason?: string }> => admin.state(portal, 'm.room.member', user);

  before(async function () {
    this.timeout(SERVER_START_TIMEOUT_MS);
    dir = mkdtempSync(join(tmpdir(), 'kb-e2e-knock-'));
    const asPort = await freePort();
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'homeserver:',
        '  url: http://127.0.0.1:9', // rewritten below once Synapse has its port
        '  domain: localhost',
        '  portal_join_rule: knock',
        '  appservice:',
        `    port: ${asPort}`,
        `    registration: ${dir}/registration.yaml`,
        'bridge:',
        '  admins: ["@admin:localhost"]',
        '  join_policy: approval',
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
    admin = new Client(hs, a.userId, a.accessToken);
    bridge = startKatzenbridge(['run', '-c', config, '--emulator-profile', 'fast']);
    await bridge.waitFor(/started summary=/, 60_000);

    // A group made from the admin room, and a Katzenpost member in it who sees who joins.
    dm = (await admin.call<{ room_id: string }>('POST', '/createRoom', { is_direct: true, invite: [bot] })).room_id;
    await botSays(dm, /admin room/);
    await admin.text(dm, 'create Knockers');
    const created = await botSays(dm, /^Created group/);
    const m = /^Created group (\S+) "Knockers" and its room (\S+)\.$/.exec(String(created.content['body']));
    assert.ok(m, String(created.content['body']));
    group = m[1]!;
    portal = m[2]!;
    await admin.call('POST', `/join/${encodeURIComponent(portal)}`, {});
    peer = startKatzenbridge(['peer', '--state', join(dir, 'peer'), '--daemon', `unix:${dir}/state/kpclientd.sock`]);
    await eventually('the peer to start', () => peerEvents(peer!).find((e) => e['type'] === 'ready'));
    peer.child.stdin.write(`mint ${group} Bob\n`);
    const minted = await eventually('a voucher', () => peerEvents(peer!).find((e) => e['command'] === 'mint'));
    await admin.text(dm, `induct ${group} ${String(minted['voucher'])}`);
    const notice = await botSays(portal, /^Join request #\d+: "Bob"/);
    await admin.text(dm, `approve ${/#(\d+)/.exec(String(notice.content['body']))![1]}`);
    await eventually('the peer to join', () => peerEvents(peer!).find((e) => e['type'] === 'joined'));
  });

  after(async function () {
    this.timeout(60_000);
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

  it('the room the bridge creates has join rule knock (homeserver.portal_join_rule)', async () => {
    assert.equal((await admin.state<{ join_rule: string }>(portal, 'm.room.join_rules')).join_rule, 'knock');
  });

  it('a denied knock: a notice in the room, Synapse turns her away with the bridge’s reason, nothing reaches the group', async () => {
    const dave = await newUser('dave', 'Dave');
    const id = await knock(dave, 'Dave');
    assert.equal((await membership(dave.userId)).membership, 'knock');
    const seen = (await admin.messages(portal)).length;
    await admin.text(dm, `deny ${id}`);
    await botSays(portal, new RegExp(`^Join request #${id} denied`), seen);
    const after = await eventually('her knock turned away', async () => {
      const m = await membership(dave.userId);
      return m.membership === 'leave' ? m : undefined;
    });
    assert.match(String(after.reason), /declined/);
    await assert.rejects(dave.call('POST', `/join/${encodeURIComponent(portal)}`, {}), /403|M_FORBIDDEN/, 'she cannot join without an invite');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(peerEvents(peer!).filter((e) => e['type'] === 'member_added' && /Dave/.test(String(e['displayName']))).length, 0, 'nobody was introduced');
  });

  it('an approved knock: invited, she joins, is introduced and heard from her own stream; the bot’s read receipt marks her message delivered', async () => {
    const carol = await newUser('carol', 'Carol');
    const id = await knock(carol, 'Carol');
    await admin.text(dm, `approve ${id}`);
    await eventually('her invite', async () => ((await membership(carol.userId)).membership === 'invite' ? true : undefined), 30_000);
    await carol.call('POST', `/join/${encodeURIComponent(portal)}`, {});
    const introduced = await eventually('her stream introduced to the member', () => peerEvents(peer!).find((e) => e['type'] === 'member_added' && /Carol/.test(String(e['displayName']))));
    const sent = await carol.text(portal, 'hello from carol');
    const got = await eventually('her message at the member', () => peerEvents(peer!).find((e) => e['type'] === 'text' && e['text'] === 'hello from carol'));
    assert.equal(got['member'], introduced['member']);
    await eventually('the bot’s read receipt on her message', async () => ((await carol.readReceipts(portal))[bot] === sent ? true : undefined), 30_000);
  });
});
