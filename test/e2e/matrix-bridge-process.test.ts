// Issue 5's user stories end to end: a real Synapse, `katzenbridge run` as its own process on the
// embedded emulator, Matrix users on the client-server API and a Katzenpost member
// (`katzenbridge peer`) on the same emulator. The bridge is killed with SIGKILL in the middle of
// a burst and restarted: every message arrives exactly once, in order.
//
// Matrix -> Katzenpost is not here yet: the daemon's group side has no per-user puppet streams
// (src/bridge/engine-group-side.ts without PuppetStreams), so a Matrix user's message gets the
// core's final notice. test/e2e/matrix-appservice.test.ts covers that direction on a real
// Synapse with the core's fake group side.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKatzenbridge, type KatzenbridgeProcess } from '../support/bridge-process.js';
import { freePort } from '../support/servers/free-port.js';
import { startSynapse, type SynapseServer } from '../support/servers/index.js';

const SERVER_START_TIMEOUT_MS = 15 * 60_000;
const BURST = 50;

interface RoomEvent {
  event_id: string;
  type: string;
  sender: string;
  content: Record<string, unknown>;
}

class Client {
  private txn = 0;
  constructor(
    private readonly hs: SynapseServer,
    readonly userId: string,
    private readonly token: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.hs.url}/_matrix/client/v3${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${this.userId} ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  async text(room: string, body: string): Promise<string> {
    const r = await this.call<{ event_id: string }>('PUT', `/rooms/${encodeURIComponent(room)}/send/m.room.message/p${Date.now()}-${++this.txn}`, { msgtype: 'm.text', body });
    return r.event_id;
  }

  async messages(room: string): Promise<RoomEvent[]> {
    const out: RoomEvent[] = [];
    let from: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await this.call<{ chunk: RoomEvent[]; end?: string }>('GET', `/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=500${from ? `&from=${encodeURIComponent(from)}` : ''}`);
      out.push(...r.chunk);
      if (!r.end || r.chunk.length === 0) break;
      from = r.end;
    }
    return out.filter((e) => e.type === 'm.room.message').reverse();
  }
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The peer's JSON events so far (one per stdout line). */
function peerEvents(p: KatzenbridgeProcess): Array<Record<string, unknown>> {
  return p
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

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

  const startBridge = async (): Promise<KatzenbridgeProcess> => {
    const kb = startKatzenbridge(['run', '-c', config, '--emulator-profile', 'fast']);
    await kb.waitFor(/started summary=/, 60_000);
    return kb;
  };

  const botSays = async (room: string, re: RegExp, after = 0): Promise<RoomEvent> =>
    eventually(`the bot to say ${re}`, async () => (await admin.messages(room)).slice(after).find((e) => e.sender === bot && re.test(String(e.content['body']))));

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
    rmSync(dir, { recursive: true, force: true });
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
  });

  it('a Katzenpost member appears as a ghost under the name from their introduction', async () => {
    peer!.child.stdin.write(`send ${group} hello from katzenpost\n`);
    const shown = await eventually('the ghost message', async () => (await alice.messages(portal)).find((e) => e.content['body'] === 'hello from katzenpost'));
    assert.match(shown.sender, /^@kp_[a-z0-9.=-]+_[0-9a-f]{20}:localhost$/);
    const profile = await alice.call<{ displayname?: string }>('GET', `/profile/${encodeURIComponent(shown.sender)}`);
    assert.equal(profile.displayname, 'Bob');
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
