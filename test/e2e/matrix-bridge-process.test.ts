// Issue 5's user stories end to end: a real Synapse, `katzenbridge run` as its own process on the
// embedded emulator, Matrix users on the client-server API and a Katzenpost member
// (`katzenbridge peer`) on the same emulator. Matrix users write through puppet streams of
// their own. The bridge is killed with SIGKILL in the middle of a burst each way and restarted:
// every message arrives exactly once, in order.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKatzenbridge, type KatzenbridgeProcess } from '../support/bridge-process.js';
import { freePort } from '../support/servers/free-port.js';
import { eventually, peerEvents } from '../support/eventually.js';
import { MatrixUser, type RoomEvent } from '../support/matrix-user.js';
import { startSynapse, type SynapseServer } from '../support/servers/index.js';

const SERVER_START_TIMEOUT_MS = 15 * 60_000;
const BURST = 50;

class Client extends MatrixUser {}

describe('e2e Matrix: bridge process, Synapse and a Katzenpost peer on the emulator (issue 5)', function () {
  this.timeout(120_000);
  let dir: string;
  let hs: SynapseServer;
  let config: string;
  let bridge: KatzenbridgeProcess | undefined;
  let peer: KatzenbridgeProcess | undefined;
  let admin: Client;
  let alice: Client;
  let dm: string;
  let portal: string;
  let group: string;
  const bot = '@katzenbridge:localhost';

  /** Every bridge process of the run, so a failure leaves their whole logs behind. */
  const bridges: KatzenbridgeProcess[] = [];
  let failed = false;
  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  const startBridge = async (): Promise<KatzenbridgeProcess> => {
    const kb = startKatzenbridge(['run', '-c', config, '--emulator-profile', 'fast']);
    bridges.push(kb);
    await kb.waitFor(/started summary=/, 60_000);
    return kb;
  };

  /** The admin's `members GROUP` answer (the bridge's view of the group). */
  const adminMembers = async (): Promise<string> => {
    const seen = (await admin.messages(dm)).length;
    await admin.text(dm, `members ${group}`);
    return String((await botSays(dm, /member/, seen)).content['body']);
  };

  const botSays = async (room: string, re: RegExp, after = 0, reader: Client = admin): Promise<RoomEvent> =>
    eventually(`the bot to say ${re}`, async () => (await reader.messages(room)).slice(after).find((e) => e.sender === bot && re.test(String(e.content['body']))));

  before(async function () {
    this.timeout(SERVER_START_TIMEOUT_MS);
    dir = mkdtempSync(join(tmpdir(), 'kb-e2e-mxproc-'));
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
    bridge = await startBridge();
  });

  after(async function () {
    this.timeout(60_000);
    peer?.child.stdin.end('quit\n');
    await peer?.stop().catch(() => undefined);
    await bridge?.stop().catch(() => undefined);
    await hs?.destroy();
    if (failed) {
      bridges.forEach((b, i) => writeFileSync(join(dir, `bridge-${i}.log`), b.stdout() + b.stderr()));
      if (peer) writeFileSync(join(dir, 'peer.log'), peer.stdout() + peer.stderr());
      console.log(`bridge and peer logs kept in ${dir}`);
    } else rmSync(dir, { recursive: true, force: true });
  });

  it('the admin creates a group from the admin room; a Katzenpost member joins by voucher after approval', async () => {
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

    peer = startKatzenbridge(['peer', '--state', join(dir, 'peer'), '--daemon', `unix:${dir}/state/kpclientd.sock`]);
    await eventually('the peer to start', () => peerEvents(peer!).find((e) => e['type'] === 'ready'));
    peer.child.stdin.write(`mint ${group} Bob\n`);
    const minted = await eventually('a voucher', () => peerEvents(peer!).find((e) => e['command'] === 'mint'));
    assert.equal(typeof minted['voucher'], 'string', JSON.stringify(minted));
    const seen = (await admin.messages(dm)).length;
    await admin.text(dm, `induct ${group} ${String(minted['voucher'])}`);
    const notice = await botSays(portal, /^Join request #\d+: "Bob"/);
    const id = /#(\d+)/.exec(String(notice.content['body']))![1];
    await admin.text(dm, `approve ${id}`);
    await botSays(dm, /approved|member/i, seen);
    await eventually('the peer to join', () => peerEvents(peer!).find((e) => e['type'] === 'joined'));
    peer.child.stdin.write(`whoami ${group}\n`);
    await eventually('whoami', () => peerEvents(peer!).find((e) => e['type'] === 'ok' && e['command'] === 'whoami'));
  });

  it('a Katzenpost member appears as a ghost under the name from their introduction', async () => {
    peer!.child.stdin.write(`send ${group} hello from katzenpost\n`);
    const shown = await eventually('the ghost message', async () => (await alice.messages(portal)).find((e) => e.content['body'] === 'hello from katzenpost'));
    assert.match(shown.sender, /^@kp_[a-z0-9.=-]+_[0-9a-f]{20}:localhost$/);
    const profile = await alice.call<{ displayname?: string }>('GET', `/profile/${encodeURIComponent(shown.sender)}`);
    assert.equal(profile.displayname, 'Bob');
  });

  it('a Matrix user’s text, emote and notice reach the member from her own puppet stream, in order, and are not echoed', async () => {
    await alice.text(portal, 'hello from matrix');
    await alice.text(portal, 'waves', 'm.emote');
    const last = await alice.text(portal, 'fyi: notices travel as text', 'm.notice');
    const texts = () => peerEvents(peer!).filter((e) => e['type'] === 'text' && e['groupId'] === group);
    await eventually('three texts at the peer', () => (texts().length >= 3 ? true : undefined));
    assert.deepEqual(texts().map((e) => e['text']), ['hello from matrix', '/me waves', 'fyi: notices travel as text']);
    const intro = peerEvents(peer!).find((e) => e['type'] === 'member_added' && e['member'] === texts()[0]!['member']);
    assert.ok(intro, 'the bridge introduced her stream first');
    assert.match(String(intro['displayName']), /Alice/);
    // Not echoed: the room holds her two events and no ghost copy of them, and no failure notice.
    await new Promise((r) => setTimeout(r, 2000));
    const roomBodies = (await alice.messages(portal)).map((e) => [e.sender, String(e.content['body'])]);
    assert.equal(roomBodies.filter(([, b]) => /hello from matrix|waves|fyi/.test(b!)).length, 3, JSON.stringify(roomBodies));
    assert.ok(!roomBodies.some(([, b]) => /not delivered/.test(b!)), JSON.stringify(roomBodies));
    // Delivery status: the bot's read receipt sits on her last message once it reached Katzenpost.
    await eventually('the bot’s read receipt', async () => ((await alice.readReceipts(portal))[bot] === last ? true : undefined), 30_000);
  });

  it('replies and edits go both ways, with x-bridge references to the Katzenpost side and native relations on Matrix', async () => {
    const texts = () => peerEvents(peer!).filter((e) => e['type'] === 'text' && e['groupId'] === group);
    const aliceHello = texts().find((e) => e['text'] === 'hello from matrix')!;
    const aliceKey = String(aliceHello['member']);
    const peerKey = String(peerEvents(peer!).find((e) => e['type'] === 'ok' && e['command'] === 'whoami')?.['readCap'] ?? '').slice(0, 64);
    assert.match(peerKey, /^[0-9a-f]{64}$/);
    const ghostHello = (await alice.messages(portal)).find((e) => e.content['body'] === 'hello from katzenpost')!;
    const aliceHelloEvent = (await alice.messages(portal)).find((e) => e.content['body'] === 'hello from matrix')!;

    // Matrix -> Katzenpost: a reply to Bob's message and an edit of alice's own.
    await alice.send(portal, { msgtype: 'm.text', body: '> <@kp> hello from katzenpost\n\nhi Bob', 'm.relates_to': { 'm.in_reply_to': { event_id: ghostHello.event_id } } });
    await alice.send(portal, { msgtype: 'm.text', body: '* hello from matrix!', 'm.new_content': { msgtype: 'm.text', body: 'hello from matrix!' }, 'm.relates_to': { rel_type: 'm.replace', event_id: aliceHelloEvent.event_id } });
    const reply = await eventually('the reply at the peer', () => texts().find((e) => String(e['text']).endsWith('hi Bob')));
    const bridgeExt = (e: Record<string, unknown>) => e['bridge'] as { replyTo?: Record<string, string>; editOf?: Record<string, string> } | undefined;
    // Bob's first message, "hello from katzenpost", is the one replied to.
    const firstSend = peerEvents(peer!).find((e) => e['type'] === 'ok' && e['command'] === 'send')!;
    assert.deepEqual(bridgeExt(reply)?.replyTo, { author: peerKey, boxCounter: String(firstSend['counter']) });
    const edit = await eventually('the edit at the peer', () => texts().find((e) => String(e['text']) === '* hello from matrix!'));
    assert.deepEqual(bridgeExt(edit)?.editOf, { author: aliceKey, boxCounter: String(aliceHello['counter']) });

    // Katzenpost -> Matrix: Bob replies to alice's message and edits his own.
    peer!.child.stdin.write(`reply ${group} ${aliceKey} ${String(aliceHello['counter'])} right back at you\n`);
    const ghostReply = await eventually('the ghost reply', async () => (await alice.messages(portal)).find((e) => e.content['body'] === 'right back at you' || String(e.content['body']).endsWith('right back at you')));
    assert.equal((ghostReply.content['m.relates_to'] as { 'm.in_reply_to'?: { event_id?: string } } | undefined)?.['m.in_reply_to']?.event_id, aliceHelloEvent.event_id);
    peer!.child.stdin.write(`edit ${group} ${peerKey} ${String(firstSend['counter'])} hello from katzenpost, edited\n`);
    const ghostEdit = await eventually('the ghost edit', async () => (await alice.messages(portal)).find((e) => String(e.content['body']).endsWith('hello from katzenpost, edited')));
    assert.deepEqual(ghostEdit.content['m.relates_to'], { rel_type: 'm.replace', event_id: ghostHello.event_id });
  });

  it('files both ways with bytes, names and types intact; a hostile name from Katzenpost is made safe; a photo loses its GPS tags', async function () {
    this.timeout(180_000);
    const made = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + (i >> 8)) & 0xff));
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), made(3000, 7)]);
    const ogg = Buffer.concat([Buffer.from('OggS'), made(6000, 11)]);
    const big = made(200 * 1024, 13);
    const fromKp = [
      { file: 'pic.png', type: 'image/png', bytes: png, msgtype: 'm.image' },
      { file: 'clip.ogg', type: 'audio/ogg', bytes: ogg, msgtype: 'm.audio' },
      { file: 'report.pdf', type: 'application/pdf', bytes: big, msgtype: 'm.file' },
    ];
    for (const f of fromKp) {
      writeFileSync(join(dir, f.file), f.bytes);
      peer!.child.stdin.write(`send-file ${group} ${join(dir, f.file)} ${f.type}\n`);
    }
    const hostile = `../../etc/${'x'.repeat(300)}\u0007\u202eevil.txt`;
    writeFileSync(join(dir, 'hostile.txt'), 'hi');
    peer!.child.stdin.write(`send-file ${group} ${join(dir, 'hostile.txt')} text/plain ${hostile}\n`);
    const download = async (mxc: string): Promise<Buffer> => {
      const m = /^mxc:\/\/([^/]+)\/(.+)$/.exec(mxc);
      assert.ok(m, mxc);
      const res = await fetch(`${hs.url}/_matrix/client/v1/media/download/${m[1]}/${m[2]}`, { headers: { authorization: `Bearer ${alice.token}` } });
      assert.equal(res.status, 200);
      return Buffer.from(await res.arrayBuffer());
    };
    for (const f of fromKp) {
      const e = await eventually(`${f.file} in Matrix`, async () => (await alice.messages(portal)).find((x) => x.content['body'] === f.file), 120_000);
      assert.equal(e.content['msgtype'], f.msgtype);
      assert.deepEqual(e.content['info'], { mimetype: f.type, size: f.bytes.length });
      assert.deepEqual(await download(String(e.content['url'])), f.bytes);
    }
    // The hostile name is the only text/plain file of 2 bytes; its name may be cut before "evil".
    const bad = await eventually('the hostile file in Matrix', async () => (await alice.messages(portal)).find((x) => (x.content['info'] as { size?: number; mimetype?: string } | undefined)?.mimetype === 'text/plain'), 60_000);
    const name = String(bad.content['body']);
    assert.ok(name.startsWith('xxx'), `only the last path part is kept: ${JSON.stringify(name)}`);
    assert.ok(!/[\/\\\u0000-\u001f\u202e]/.test(name) && !name.startsWith('.') && [...name].length <= 255, JSON.stringify(name));
    assert.deepEqual(await download(String(bad.content['url'])), Buffer.from('hi'));

    // Matrix -> Katzenpost: the same kinds uploaded by alice, and a JPEG carrying GPS tags.
    const gps = Buffer.from('GPSLatitude 52.3731N GPSLongitude 4.8922E');
    const seg = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255]), body]);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), seg(0xe1, Buffer.concat([Buffer.from('Exif\0\0II*\0'), gps])), seg(0xdb, made(65, 3)), seg(0xda, Buffer.from([1, 1, 0, 0, 63, 0])), Buffer.from([1, 2, 3]), Buffer.from([0xff, 0xd9])]);
    const fromMx = [
      { name: 'holiday.jpg', type: 'image/jpeg', bytes: jpeg, msgtype: 'm.image' },
      { name: 'voice.ogg', type: 'audio/ogg', bytes: ogg, msgtype: 'm.audio' },
      { name: 'big.pdf', type: 'application/pdf', bytes: big, msgtype: 'm.file' },
    ];
    for (const f of fromMx) {
      const up = await fetch(`${hs.url}/_matrix/media/v3/upload?filename=${f.name}`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'content-type': f.type }, body: f.bytes });
      const { content_uri } = (await up.json()) as { content_uri: string };
      await alice.send(portal, { msgtype: f.msgtype, body: f.name, url: content_uri, info: { mimetype: f.type, size: f.bytes.length } });
    }
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    for (const f of fromMx) {
      const got = await eventually(`${f.name} at the peer`, () => peerEvents(peer!).find((e) => e['type'] === 'file' && e['basename'] === f.name), 120_000);
      assert.equal(got['filetype'], f.type);
      const saved = readFileSync(String(got['path']));
      if (f.name === 'holiday.jpg') {
        assert.equal(saved.indexOf(gps), -1, 'the GPS tags reached Katzenpost');
        assert.equal(saved.length, jpeg.length - (gps.length + 14));
      } else {
        assert.equal(got['sha256'], sha(f.bytes));
      }
    }
  });

  it('a non-admin’s command is refused; a denied join request writes nothing and the would-be member never joins', async () => {
    const aliceDm = (await alice.call<{ room_id: string }>('POST', '/createRoom', { is_direct: true, invite: [bot] })).room_id;
    await botSays(aliceDm, /admin room/, 0, alice);
    await alice.text(aliceDm, 'create Sneaky');
    await botSays(aliceDm, /is only for this bridge's admins/, 0, alice);

    const eve = startKatzenbridge(['peer', '--state', join(dir, 'peer-eve'), '--daemon', `unix:${dir}/state/kpclientd.sock`]);
    try {
      await eventually('eve to start', () => peerEvents(eve).find((e) => e['type'] === 'ready'));
      eve.child.stdin.write(`mint ${group} Eve\n`);
      const minted = await eventually('eve’s voucher', () => peerEvents(eve).find((e) => e['command'] === 'mint'));
      const membersBefore = await adminMembers();
      const seen = (await admin.messages(portal)).length;
      await admin.text(dm, `induct ${group} ${String(minted['voucher'])}`);
      const notice = await botSays(portal, /^Join request #\d+: "Eve"/, seen);
      const id = /#(\d+)/.exec(String(notice.content['body']))![1];
      await admin.text(dm, `deny ${id}`);
      await botSays(portal, new RegExp(`^Join request #${id} denied by .*"Eve" was not added`), seen);
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(peerEvents(eve).filter((e) => e['type'] === 'joined').length, 0, 'eve never joins');
      assert.equal(peerEvents(peer!).filter((e) => e['type'] === 'member_added' && /Eve/.test(String(e['displayName']))).length, 0, 'nobody was introduced');
      assert.equal(await adminMembers(), membersBefore);
    } finally {
      eve.child.stdin.end('quit\n');
      await eve.stop().catch(() => undefined);
    }
  });

  it('a knock is a join request: approved, the bridge invites her, she joins and her first message reaches the member from her own stream', async () => {
    await admin.call('PUT', `/rooms/${encodeURIComponent(portal)}/state/m.room.join_rules/`, { join_rule: 'knock' });
    let seen = (await admin.messages(dm)).length;
    await admin.text(dm, `policy ${group} approval`);
    await botSays(dm, /now has join policy approval/, seen);
    const c = await hs.registerUser('carol', 'carol-password-1');
    const carol = new Client(hs, c.userId, c.accessToken);
    await carol.call('PUT', `/profile/${encodeURIComponent(carol.userId)}/displayname`, { displayname: 'Carol' });
    const before = (await admin.messages(portal)).length;
    await carol.call('POST', `/knock/${encodeURIComponent(portal)}`, { reason: 'may I?' });
    const notice = await botSays(portal, /^Join request #\d+: "Carol/, before);
    const id = /#(\d+)/.exec(String(notice.content['body']))![1];
    seen = (await admin.messages(dm)).length;
    await admin.text(dm, `approve ${id}`);
    await botSays(dm, /approved|member/i, seen);
    // The bridge invited her: she can join now.
    await eventually('her invite', async () => {
      try {
        await carol.call('POST', `/join/${encodeURIComponent(portal)}`, {});
        return true;
      } catch {
        return undefined;
      }
    }, 30_000);
    const introduced = await eventually('her stream introduced to the member', () => peerEvents(peer!).find((e) => e['type'] === 'member_added' && /Carol/.test(String(e['displayName']))));
    await carol.text(portal, 'hello from carol');
    const got = await eventually('her message at the member', () => peerEvents(peer!).find((e) => e['type'] === 'text' && e['text'] === 'hello from carol'));
    assert.equal(got['member'], introduced['member']);
    seen = (await admin.messages(dm)).length;
    await admin.text(dm, `policy ${group} auto`);
    await botSays(dm, /now has join policy auto/, seen);
  });

  it('the homeserver stopped for 30 s during traffic: what the member sent meanwhile arrives in order, and Matrix users are bridged again', async function () {
    this.timeout(240_000);
    await hs.stop();
    const queued = Array.from({ length: 10 }, (_, i) => `while down ${i}`);
    for (const t of queued) peer!.child.stdin.write(`send ${group} ${t}\n`);
    await new Promise((r) => setTimeout(r, 30_000));
    await hs.start();
    const got = await eventually(
      'the queued messages in Matrix',
      async () => {
        const bodies = (await alice.messages(portal)).map((e) => String(e.content['body'])).filter((b) => b.startsWith('while down '));
        return bodies.length >= queued.length ? bodies : undefined;
      },
      180_000,
    );
    assert.deepEqual(got, queued);
    await alice.text(portal, 'back again');
    await eventually('alice’s message at the peer', () => peerEvents(peer!).find((e) => e['type'] === 'text' && e['text'] === 'back again'));
  });

  it('a forged box from the member (bad CBOR) is logged with its code and skipped; the portal keeps working', async () => {
    const out = () => bridge!.stdout() + bridge!.stderr();
    const mark = out().length;
    peer!.child.stdin.write(`send-raw ${group} 46ffff00\n`);
    peer!.child.stdin.write(`send ${group} after the forged box\n`);
    await eventually('the next message in Matrix', async () => (await alice.messages(portal)).find((e) => e.content['body'] === 'after the forged box'));
    assert.match(out().slice(mark), /groupchat\.box_error group=\S+ member=[0-9a-f]{12} counter=\d+ code=\S+/);
    assert.ok(!(await alice.messages(portal)).some((e) => /\uFFFD/.test(String(e.content['body']))), 'nothing of the forged box is shown');
  });

  it('SIGKILL during a burst of 50 from Matrix, then restart: the member gets each exactly once, in order', async function () {
    this.timeout(300_000);
    const mx = Array.from({ length: 50 }, (_, i) => `mx ${i}`);
    const atPeer = () => peerEvents(peer!).filter((e) => e['type'] === 'text' && /^mx \d+$/.test(String(e['text']))).map((e) => String(e['text']));
    for (const t of mx) await alice.text(portal, t);
    await eventually('the burst to be under way', () => (atPeer().length >= 2 ? true : undefined), 120_000);
    await bridge!.stop('SIGKILL');
    bridge = await startBridge();
    await eventually('all 50 at the peer', () => (atPeer().length >= mx.length ? true : undefined), 240_000).catch((e: Error) => {
      const tail = (bridge!.stdout() + bridge!.stderr()).split('\n').slice(-40).join('\n');
      throw new Error(`${e.message}; the peer has ${JSON.stringify(atPeer())}; the bridge said:\n${tail}`);
    });
    await new Promise((r) => setTimeout(r, 3000)); // a duplicate would show up after the last one
    assert.deepEqual(atPeer(), mx);
  });

  it('SIGKILL during a burst of 50 from Katzenpost, then restart: every message exactly once, in order', async function () {
    this.timeout(300_000);
    const kp = Array.from({ length: BURST }, (_, i) => `kp ${i}`);
    for (const t of kp) peer!.child.stdin.write(`send ${group} ${t}\n`);
    // Kill once some are through, so the inbox queue is mid-way.
    await eventually('the burst to be under way', async () => ((await alice.messages(portal)).some((e) => e.content['body'] === 'kp 3') ? true : undefined), 120_000);
    await bridge!.stop('SIGKILL');
    bridge = await startBridge();
    const bodies = async (): Promise<string[]> => (await alice.messages(portal)).map((e) => String(e.content['body'])).filter((x) => /^kp \d+$/.test(x));
    await eventually('all 50 in Matrix', async () => ((await bodies()).length >= BURST ? true : undefined), 240_000);
    await new Promise((r) => setTimeout(r, 3000)); // a duplicate would show up after the last one
    assert.deepEqual(await bodies(), kp);
  });
});
