// Smoke tests of the real test servers the end-to-end suite stands on (DESIGN.md §6): Synapse
// from Debian's chroot and InspIRCd, each started by scripts/servers/ on its own loopback port.
// If a server cannot start, the before() hook fails with the script's reason; nothing is skipped.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectIrcClient, startInspircd, startSynapse, type InspircdServer, type SynapseServer } from '../support/servers/index.js';

/** A cold chroot build happens at most once per machine (scripts/test.sh prepares it first). */
const SERVER_START_TIMEOUT_MS = 15 * 60_000;

async function matrix<T>(hs: SynapseServer, method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const res = await fetch(`${hs.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw Object.assign(new Error(`${method} ${path}: HTTP ${res.status} ${text}`), { status: res.status, body: text });
  return JSON.parse(text) as T;
}

async function login(hs: SynapseServer, user: string, password: string): Promise<string> {
  const r = await matrix<{ access_token: string }>(hs, 'POST', '/_matrix/client/v3/login', undefined, {
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user },
    password,
  });
  return r.access_token;
}

interface Transaction {
  headers: IncomingHttpHeaders;
  url: string;
  events: { type: string; room_id: string; sender: string }[];
}

/** Stands in for the bridge: records the appservice transactions Synapse pushes to it. */
function fakeAppservice(): { server: Server; transactions: Transaction[]; listening: Promise<number> } {
  const transactions: Transaction[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      if (req.method === 'PUT' && req.url?.startsWith('/_matrix/app/v1/transactions/')) {
        transactions.push({ headers: req.headers, url: req.url, events: (JSON.parse(body) as Transaction).events });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const listening = new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  return { server, transactions, listening };
}

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('e2e test servers: Synapse (Debian matrix-synapse in a chroot)', function () {
  let hs: SynapseServer | undefined;
  let tmp: string | undefined;
  // Made in before(), not here: a listener opened while mocha only collects tests would keep the
  // process alive when a --grep leaves this suite's hooks unrun.
  let as: ReturnType<typeof fakeAppservice> | undefined;
  const asToken = randomBytes(24).toString('hex');
  const hsToken = randomBytes(24).toString('hex');

  before(async function () {
    this.timeout(SERVER_START_TIMEOUT_MS);
    tmp = await mkdtemp(join(tmpdir(), 'kb-e2e-servers-'));
    as = fakeAppservice();
    const asPort = await as.listening;
    const registration = join(tmp, 'registration.yaml');
    await writeFile(
      registration,
      [
        'id: kbtest',
        `url: "http://127.0.0.1:${asPort}"`,
        `as_token: "${asToken}"`,
        `hs_token: "${hsToken}"`,
        'sender_localpart: kbbot',
        'rate_limited: false',
        'namespaces:',
        '  users: [{ exclusive: true, regex: "@kb_.*:localhost" }]',
        '  aliases: []',
        '  rooms: []',
        '',
      ].join('\n'),
    );
    hs = await startSynapse({ appserviceRegistrations: [registration] });
  });

  after(async function () {
    this.timeout(60_000);
    await hs?.destroy();
    as?.server.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('serves the client-server API on loopback with open registration off', async () => {
    const versions = await matrix<{ versions: string[] }>(hs!, 'GET', '/_matrix/client/versions');
    assert.ok(versions.versions.length > 0);
    await assert.rejects(
      matrix(hs!, 'POST', '/_matrix/client/v3/register', undefined, { username: 'intruder', password: 'pw-intruder-1' }),
      (err: { status?: number }) => err.status === 403,
    );
  });

  it('registers a user by shared secret, who logs in with the password and creates a room', async () => {
    const alice = await hs!.registerUser('alice', 'alice-password-1');
    assert.equal(alice.userId, `@alice:${hs!.serverName}`);
    const token = await login(hs!, 'alice', 'alice-password-1');
    const { room_id } = await matrix<{ room_id: string }>(hs!, 'POST', '/_matrix/client/v3/createRoom', token, { name: 'smoke' });
    const { joined_rooms } = await matrix<{ joined_rooms: string[] }>(hs!, 'GET', '/_matrix/client/v3/joined_rooms', token);
    assert.deepEqual(joined_rooms, [room_id]);
  });

  it('registers an admin user whom the admin API accepts', async () => {
    const root = await hs!.registerUser('root', 'root-password-1', true);
    const r = await matrix<{ admin: boolean }>(hs!, 'GET', `/_synapse/admin/v1/users/${encodeURIComponent(root.userId)}/admin`, root.accessToken);
    assert.equal(r.admin, true);
  });

  it('loads the appservice registration: its as_token is the sender_localpart user', async () => {
    const me = await matrix<{ user_id: string }>(hs!, 'GET', '/_matrix/client/v3/account/whoami', asToken);
    assert.equal(me.user_id, `@kbbot:${hs!.serverName}`);
  });

  it('pushes the appservice its transactions on loopback, authenticated with the hs_token', async () => {
    const { room_id } = await matrix<{ room_id: string }>(hs!, 'POST', '/_matrix/client/v3/createRoom', asToken, {});
    const txn = await eventually('a transaction with the m.room.create event', () =>
      as!.transactions.find((t) => t.events.some((e) => e.type === 'm.room.create' && e.room_id === room_id)),
    );
    assert.equal(txn.headers.authorization, `Bearer ${hsToken}`);
  });

  it('keeps users, tokens and rooms across stop and start', async function () {
    this.timeout(120_000);
    const bob = await hs!.registerUser('bob', 'bob-password-1');
    const { room_id } = await matrix<{ room_id: string }>(hs!, 'POST', '/_matrix/client/v3/createRoom', bob.accessToken, {});
    await hs!.stop();
    await assert.rejects(fetch(`${hs!.url}/_matrix/client/versions`), 'the stopped homeserver still answers');
    await hs!.start();
    const me = await matrix<{ user_id: string }>(hs!, 'GET', '/_matrix/client/v3/account/whoami', bob.accessToken);
    assert.equal(me.user_id, bob.userId);
    const token = await login(hs!, 'bob', 'bob-password-1');
    const { joined_rooms } = await matrix<{ joined_rooms: string[] }>(hs!, 'GET', '/_matrix/client/v3/joined_rooms', token);
    assert.deepEqual(joined_rooms, [room_id]);
  });
});

describe('e2e test servers: InspIRCd (Debian inspircd)', function () {
  let irc: InspircdServer | undefined;

  before(async function () {
    this.timeout(60_000);
    irc = await startInspircd();
  });

  after(async () => {
    await irc?.destroy();
  });

  it('lets two clients join a channel and exchange a PRIVMSG', async () => {
    const ann = await connectIrcClient(irc!, 'ann');
    const ben = await connectIrcClient(irc!, 'ben');
    try {
      await ann.join('#smoke');
      await ben.join('#smoke');
      ann.say('#smoke', 'hello from ann');
      const got = await ben.nextMessage((m) => m.target === '#smoke');
      assert.deepEqual(got, { nick: 'ann', target: '#smoke', message: 'hello from ann' });
    } finally {
      await ann.quit();
      await ben.quit();
    }
  });

  it('admits dozens of connections from 127.0.0.1 (one per puppet)', async () => {
    const clients = await Promise.all(Array.from({ length: 30 }, (_, i) => connectIrcClient(irc!, `puppet${i}`)));
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('restarts: connected clients drop, new ones talk on the same port', async function () {
    this.timeout(60_000);
    const before = await connectIrcClient(irc!, 'early');
    await irc!.restart();
    await before.closed;
    const cat = await connectIrcClient(irc!, 'cat');
    const dan = await connectIrcClient(irc!, 'dan');
    try {
      await cat.join('#again');
      await dan.join('#again');
      dan.say('#again', 'back after the restart');
      const got = await cat.nextMessage((m) => m.nick === 'dan');
      assert.equal(got.message, 'back after the restart');
    } finally {
      await cat.quit();
      await dan.quit();
    }
  });
});
