import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKatzenbridge, type KatzenbridgeProcess } from '../support/bridge-process.js';
import { freePort, startInspircd, type InspircdServer } from '../support/servers/index.js';
import { IrcUser, waitFor } from '../integration/irc-test-client.js';
import { IrcUsers, Peer } from '../support/irc-e2e.js';

// Issue 7 end to end: InspIRCd, `katzenbridge run` as its own process on the embedded emulator
// (IRC only), a Katzenpost member (`katzenbridge peer`) on the same emulator, and IRC users in
// the test. One user story, in order: the admin makes a group and links a channel, the member
// joins by voucher with an admin's approval over private message (a non-admin is refused),
// they talk both ways, a file and a long message go to IRC, the IRC server restarts.

const CHANNEL = '#kbe2e';

describe('e2e: IRC bridge with a Katzenpost member (run + peer + InspIRCd)', function () {
  this.timeout(240_000);
  let server: InspircdServer;
  let dir: string;
  let bridge: KatzenbridgeProcess;
  let peer: Peer;
  const irc = new IrcUsers(() => server);

  before(async () => {
    server = await startInspircd();
    dir = mkdtempSync(join(tmpdir(), 'kb-e2e-irc-'));
    const state = join(dir, 'bridge');
    const config = join(dir, 'config.yaml');
    const mediaPort = await freePort();
    // Everything from the config (no command-line overrides): IRC only, the fast emulator, the
    // admin by hostmask, and the media endpoint for files.
    writeFileSync(
      config,
      `homeserver:
  enabled: false
  url: http://127.0.0.1:8008
  domain: localhost
bridge:
  admins: [irc:test/admin]
  join_policy: auto
katzenpost:
  daemon: embedded-emulator
  emulator_profile: fast
media:
  listen: 127.0.0.1:${mediaPort}
  public_url: http://127.0.0.1:${mediaPort}/media
  link_ttl_seconds: 600
irc:
  networks:
    test:
      host: 127.0.0.1
      port: ${server.port}
      tls: false
      nick: kbbot
      puppet_mode: puppets
      max_connections: 10
      flood: { burst_lines: 20, interval_ms: 50 }
      admin_hostmasks: ["admin=admin!*@127.0.0.1"]
store:
  path: ${state}/katzenbridge.db
secrets:
  key_file: ${state}/secrets.key
metrics:
  listen: 127.0.0.1:${await freePort()}
`,
    );
    mkdirSync(state, { recursive: true, mode: 0o700 });
    bridge = startKatzenbridge(['run', '-c', config]);
    await bridge.waitFor(/irc\.connection_state connection=test\/bot state=registered/, 60_000);
    peer = new Peer(startKatzenbridge(['peer', '--state', join(dir, 'peer'), '--daemon', `unix:${state}/kpclientd.sock`]));
    await peer.next((e) => e['type'] === 'ready', 'ready');
  });

  after(async () => {
    await irc.quitAll();
    if (peer) {
      peer.send('quit');
      await Promise.race([peer.p.exited, new Promise((r) => setTimeout(r, 5000))]);
      await peer.p.stop();
    }
    await bridge?.stop();
    await server?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const user = (nick: string, channel?: string): Promise<IrcUser> => irc.user(nick, channel);
  const ask = (u: IrcUser, command: string): Promise<string> => irc.ask(u, command);

  let group = '';
  let admin: IrcUser;
  let dave: IrcUser;

  it('an admin creates a group and links a channel by private message to the bot', async () => {
    admin = await user('admin');
    dave = await user('dave', CHANNEL);
    const created = await ask(admin, 'create E2E Group');
    group = /Created group (\S+)/.exec(created)?.[1] ?? assert.fail(created);
    assert.match(await ask(admin, `link ${group} ${CHANNEL}`), /Linked/);
  });

  it('a Katzenpost member joins by voucher: the request shows in the channel, a non-admin is refused, the admin approves', async () => {
    peer.send(`mint ${group} alice`);
    const voucher = String((await peer.next((e) => e['type'] === 'voucher', 'voucher'))['voucher']);
    assert.match(await ask(admin, `induct ${group} ${voucher}`), /voucher/i);
    const [notice] = await dave.expect((h) => h.type === 'notice' && h.target.toLowerCase() === CHANNEL && /Join request #\d+/.test(h.message), 1, 60_000);
    const id = /#(\d+)/.exec(notice!.message)![1]!;
    assert.match(await ask(dave, `approve ${id}`), /only for this bridge's admins/);
    await ask(admin, `approve ${id}`);
    await peer.next((e) => e['type'] === 'joined', 'joined');
  });

  it('shows the member’s messages on IRC in order, as puppet "alice"', async () => {
    for (let i = 1; i <= 3; i++) peer.send(`send ${group} from kp ${i}`);
    const heard = await dave.expect((h) => h.nick === 'alice' && h.message.startsWith('from kp '), 3, 60_000);
    assert.deepEqual(heard.map((h) => h.message), ['from kp 1', 'from kp 2', 'from kp 3']);
  });

  it('carries IRC text and actions to the member in order, from dave’s own puppet stream', async () => {
    dave.say(CHANNEL, 'from irc 1');
    dave.action(CHANNEL, 'waves from irc');
    dave.say(CHANNEL, '\x02from irc 3\x02');
    const fromIrc = () => peer.events.filter((e) => e['type'] === 'text' && /from irc/.test(String(e['text'])));
    await waitFor(() => fromIrc().length >= 3, 'three messages at the peer', 60_000);
    assert.deepEqual(fromIrc().map((e) => String(e['text'])), ['from irc 1', '/me waves from irc', 'from irc 3']);
    // One new member (dave's stream, introduced by the bridge) wrote all three, under dave's name.
    const introduced = peer.events.find((e) => e['type'] === 'member_added' && /dave/.test(String(e['displayName'])));
    assert.ok(introduced, JSON.stringify(peer.events.filter((e) => e['type'] === 'member_added')));
    assert.ok(fromIrc().every((e) => e['member'] === introduced['member']));
    // Nothing dave said comes back to the channel from the bridge.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(dave.heard.filter((h) => /from irc/.test(h.message)).length, 0);
    assert.equal(dave.heard.filter((h) => h.type === 'notice' && /not delivered/.test(h.message)).length, 0);
  });

  it('gives a second member whose name a real IRC user holds a distinct puppet nick', async () => {
    await user('bob', CHANNEL);
    const bobPeer = new Peer(startKatzenbridge(['peer', '--state', join(dir, 'peer-bob'), '--daemon', `unix:${join(dir, 'bridge')}/kpclientd.sock`]));
    try {
      await bobPeer.next((e) => e['type'] === 'ready', 'bob ready');
      bobPeer.send(`mint ${group} bob`);
      const voucher = String((await bobPeer.next((e) => e['type'] === 'voucher', 'bob voucher'))['voucher']);
      const before = dave.heard.filter((h) => h.type === 'notice' && /Join request #\d+/.test(h.message)).length;
      await ask(admin, `induct ${group} ${voucher}`);
      const notices = await dave.expect((h) => h.type === 'notice' && /Join request #\d+/.test(h.message), before + 1, 60_000);
      await ask(admin, `approve ${/#(\d+)/.exec(notices[before]!.message)![1]}`);
      await bobPeer.next((e) => e['type'] === 'joined', 'bob joined');
      bobPeer.send(`send ${group} I am the Katzenpost bob`);
      const [h] = await dave.expect((x) => x.message === 'I am the Katzenpost bob', 1, 60_000);
      assert.equal(h!.nick, 'bob2');
    } finally {
      bobPeer.send('quit');
      await Promise.race([bobPeer.p.exited, new Promise((r) => setTimeout(r, 5000))]);
      await bobPeer.p.stop();
    }
  });

  it('splits a long Katzenpost message at the line limit', async () => {
    const long = Array.from({ length: 120 }, (_, i) => `w${i}ö`).join(' ');
    peer.send(`send ${group} ${long}`);
    await dave.expect((h) => h.nick === 'alice' && h.message.startsWith('w0ö'), 1, 60_000);
    await dave.expect((h) => h.nick === 'alice' && h.message.endsWith('w119ö'), 1, 60_000);
    const lines = dave.heard.filter((h) => h.nick === 'alice' && /^w\d/.test(h.message)).map((h) => h.message);
    assert.ok(lines.length >= 2, `${lines.length} lines`);
    assert.equal(lines.join(' '), long);
  });

  it('offers a Katzenpost file as a link with the right bytes and type, and refuses a tampered link', async () => {
    const bytes = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 13) & 0xff));
    const path = join(dir, 'photo.png');
    writeFileSync(path, bytes);
    peer.send(`send-file ${group} ${path} image/png`);
    const [h] = await dave.expect((x) => x.nick === 'alice' && x.message.startsWith('photo.png'), 1, 60_000);
    const url = /<(http[^>]+)>/.exec(h!.message)?.[1];
    assert.ok(url, h!.message);
    assert.ok(url.startsWith(`http://127.0.0.1:`) && url.includes('/media/'), url);
    const res = await fetch(url!);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
    assert.equal((await fetch(url!.replace(/\/(\d+)\//, (_s, e: string) => `/${Number(e) + 99}/`))).status, 403);
  });

  it('reconnects after the IRC server restarts mid-conversation and delivers what was sent meanwhile, in order', async () => {
    await irc.quitAll();
    const out = (): string => bridge.stdout() + bridge.stderr();
    const mark = out().length;
    await server.stop();
    for (let i = 1; i <= 3; i++) peer.send(`send ${group} during ${i}`);
    // Wait until the bridge's connections back off by seconds, so the test's user is in the
    // channel again before any of them reconnects and delivers (no timing luck).
    await waitFor(() => {
      const since = out().slice(mark);
      const bot = [...since.matchAll(/irc\.reconnect_scheduled connection=test\/bot attempt=(\d+) delayMs=(\d+)/g)].pop();
      const pup = [...since.matchAll(/irc\.reconnect_scheduled connection=test\/puppet\/\S+ attempt=(\d+) delayMs=(\d+)/g)].pop();
      return !!bot && !!pup && Number(bot[2]) >= 2000 && Number(pup[2]) >= 2000;
    }, 'backoff of seconds', 60_000);
    await server.start();
    const back = await user('dave', CHANNEL);
    const heard = await back.expect((h) => h.nick === 'alice' && h.message.startsWith('during '), 3, 120_000);
    assert.deepEqual(heard.map((h) => h.message), ['during 1', 'during 2', 'during 3']);
    back.say(CHANNEL, 'after restart');
    await peer.next((e) => e['type'] === 'text' && e['text'] === 'after restart', 'after restart', 60_000);
  });
});
