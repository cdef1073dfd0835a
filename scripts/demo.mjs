// The quickstart's conductor (scripts/demo.sh runs it after installing and starting InspIRCd):
// writes a demo config, starts `katzenbridge run` on the embedded emulator, plays the IRC admin
// (create a group, link #katzenpost, induct the demo member's voucher, approve it), starts a demo
// Katzenpost member with `katzenbridge peer`, and has it talk. Then it prints how to join with an
// IRC client, and relays what you type here into the group as the demo member, until Ctrl-C.
// --check: headless; exits 0 once a line from the demo member reached an IRC client, else 1.
// Plain Node with no dependencies; a raw IRC client is enough for an admin and a listener.
import { spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    state: { type: 'string' },
    'irc-port': { type: 'string' },
    'http-port': { type: 'string', default: '29341' },
    check: { type: 'boolean', default: false },
    // Also a local Synapse (scripts/servers/synapse.sh, root and the cached chroot) on this port.
    'synapse-port': { type: 'string' },
    'appservice-port': { type: 'string' },
    'timeout-s': { type: 'string', default: '120' },
  },
});
if (!o.state || !o['irc-port']) {
  console.error('usage: node scripts/demo.mjs --state DIR --irc-port PORT [--http-port PORT] [--check]');
  process.exit(2);
}
const ROOT = resolve(import.meta.dirname, '..');
// KB_BUILD_DIR: a build folder other than dist/ (as scripts/run-tests.mjs takes it).
const MAIN = resolve(ROOT, process.env.KB_BUILD_DIR ?? 'dist', 'src/cli/main.js');
const STATE = resolve(o.state);
const IRC_PORT = Number(o['irc-port']);
const CHANNEL = '#katzenpost';
const ADMIN_NICK = 'demo-admin';
const BOT = 'katzenbridge';
const MATRIX = o['synapse-port'] !== undefined;
const say = (m) => console.log(`demo: ${m}`);
const children = [];
const bridgeLog = [];
let irc;
let synapse;

// ---- config -------------------------------------------------------------------------------------
const bridgeState = join(STATE, 'bridge');
mkdirSync(bridgeState, { recursive: true, mode: 0o700 });
const configPath = join(STATE, 'config.yaml');
writeFileSync(
  configPath,
  `# Written by scripts/demo.sh: the embedded emulator, sqlite under ${bridgeState}, a local IRC server.
homeserver:
  # Without --synapse-port the bridge runs IRC-only; the schema still wants url and domain.
  enabled: ${MATRIX}
  url: ${MATRIX ? `http://127.0.0.1:${o['synapse-port']}` : 'http://127.0.0.1:8008'}
  domain: localhost
  appservice:
    port: ${o['appservice-port'] ?? 29340}
    registration: ${STATE}/registration.yaml
bridge:
  admins:
    - irc:local/${ADMIN_NICK}
    - "@${ADMIN_NICK}:localhost"
  # Anyone who speaks in the demo channel or room joins the group at once (the default,
  # approval, would hold your first line until an admin approves you).
  join_policy: auto
katzenpost:
  daemon: embedded-emulator
  # demo: about 1.5 s per round trip, like a small real mixnet; the --check run answers at once.
  emulator_profile: ${o.check ? 'fast' : 'demo'}
irc:
  networks:
    local:
      host: 127.0.0.1
      port: ${IRC_PORT}
      tls: false
      nick: ${BOT}
      puppet_mode: relay
      # The demo server has no services accounts: the admin is known by nick and host.
      admin_hostmasks: ["${ADMIN_NICK}=${ADMIN_NICK}!*@127.0.0.1"]
      flood:
        burst_lines: 20
        interval_ms: 100
logging:
  # Everything, into bridge.log (this console shows only warnings and errors).
  level: debug
store:
  path: ${bridgeState}/katzenbridge.db
secrets:
  key_file: ${bridgeState}/secrets.key
metrics:
  listen: 127.0.0.1:${o['http-port']}
`,
);

// ---- processes ----------------------------------------------------------------------------------
function start(name, args, onLine) {
  // Own process group: a terminal's Ctrl-C reaches only this conductor, which stops the children in
  // order (the bridge would take a second stop signal as "exit now" and skip its clean drain).
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  children.push({ name, child });
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (l) => onLine(l));
  child.on('exit', (code, sig) => {
    if (!stopping) fail(new Error(`${name} exited (${code ?? sig}) unexpectedly`));
  });
  return child;
}

const waiters = [];
function waitFor(what, test, ms = Number(o['timeout-s']) * 1000) {
  return new Promise((res, rej) => {
    const w = { test, res };
    waiters.push(w);
    setTimeout(() => {
      if (waiters.includes(w)) rej(new Error(`timed out waiting for ${what}`));
    }, ms).unref();
  });
}
function offer(kind, value) {
  for (const w of [...waiters]) {
    const r = w.test(kind, value);
    if (r) {
      waiters.splice(waiters.indexOf(w), 1);
      w.res(r);
    }
  }
}

let stopping = false;
async function finish(code) {
  if (stopping) return;
  stopping = true;
  irc?.end();
  for (const { name, child } of children.reverse()) {
    if (child.exitCode !== null) continue;
    if (name === 'peer') child.stdin.end('quit\n');
    else child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  if (synapse) spawnSync('bash', [join(ROOT, 'scripts/servers/synapse.sh'), 'destroy', '--port', String(synapse.port)], { stdio: 'ignore' });
  process.exit(code);
}
process.on('SIGINT', () => void finish(0));
// If this process dies some other way, the children must not outlive it.
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
});
// Any failure stops what was started, with the last bridge lines for context.
const fail = (e) => {
  say(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
  for (const l of bridgeLog.slice(-15)) console.error(`  bridge: ${l}`);
  void finish(1);
};
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
process.on('SIGTERM', () => void finish(0));

// ---- 0. Synapse (optional) ----------------------------------------------------------------------
if (MATRIX) {
  const reg = join(STATE, 'registration.yaml');
  const gen = spawnSync(process.execPath, [MAIN, 'generate-registration', '-c', configPath, '-u', `http://127.0.0.1:${o['appservice-port']}`, '-f', reg, '--force'], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`generate-registration failed: ${gen.stderr}`);
  say(`starting Synapse on 127.0.0.1:${o['synapse-port']} (scripts/servers/synapse.sh)`);
  const hs = spawnSync('bash', [join(ROOT, 'scripts/servers/synapse.sh'), 'start', '--port', o['synapse-port'], '--appservice', reg, '--fresh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (hs.status !== 0) throw new Error('Synapse did not start (see above)');
  synapse = JSON.parse(hs.stdout.trim().split('\n').pop());
}

// ---- 1. the bridge ------------------------------------------------------------------------------
say(`starting katzenbridge run -c ${configPath}`);
const runArgs = ['run', '-c', configPath];
// Everything the bridge prints, for you (and for the test that scans a whole run for secrets).
const bridgeLogFile = join(STATE, 'bridge.log');
writeFileSync(bridgeLogFile, '');
start('bridge', runArgs, (line) => {
  bridgeLog.push(line);
  appendFileSync(bridgeLogFile, `${line}\n`);
  if (!o.check && / (WARN|ERROR) /.test(line)) console.log(`  bridge: ${line}`);
  offer('bridge', line);
});
const botOnIrc = waitFor('the bridge bot on IRC', (k, l) => k === 'bridge' && /irc\.connection_state connection=local\/bot state=registered/.test(l));
const summary = await waitFor('the bridge to start', (k, l) => k === 'bridge' && /INFO\s+started summary=(.*)$/.exec(l)?.[1]);
say(`bridge started: ${summary}`);

// ---- 2. the IRC admin ---------------------------------------------------------------------------
irc = createConnection({ host: '127.0.0.1', port: IRC_PORT });
const send = (line) => irc.write(`${line.replace(/[\r\n]/g, ' ')}\r\n`);
createInterface({ input: irc }).on('line', (raw) => {
  const line = raw.replace(/\r$/, '');
  if (line.startsWith('PING')) return send(`PONG${line.slice(4)}`);
  const m = /^:([^! ]+)(?:!\S+)? (\S+) (\S+) :?(.*)$/.exec(line);
  if (m) offer('irc', { from: m[1], command: m[2], target: m[3], text: m[4] });
});
send(`NICK ${ADMIN_NICK}`);
send(`USER ${ADMIN_NICK} 0 * :katzenbridge demo admin`);
await waitFor('IRC registration', (k, m) => k === 'irc' && m.command === '001');
send(`JOIN ${CHANNEL}`);

async function admin(command, expect) {
  const reply = waitFor(`the bridge's answer to "${command.split(' ')[0]}"`, (k, m) => k === 'irc' && m.from === BOT && m.target === ADMIN_NICK && m.text);
  send(`PRIVMSG ${BOT} :${command}`);
  const text = await reply;
  if (!expect.test(text)) throw new Error(`"${command.split(' ')[0]}" answered: ${text}`);
  return text;
}
await botOnIrc;
const created = await admin('create Demo', /Created group (\S+)/);
const group = /Created group (\S+)/.exec(created)[1];
await admin(`link ${group} ${CHANNEL}`, /Linked/);
say(`group ${group} created by the bridge and linked to ${CHANNEL}`);

// ---- 3. the demo Katzenpost member --------------------------------------------------------------
const peer = start('peer', ['peer', '--state', join(STATE, 'peer'), '--daemon', `unix:${bridgeState}/kpclientd.sock`], (line) => {
  let ev;
  try {
    ev = JSON.parse(line);
  } catch {
    return;
  }
  if (ev.type === 'text' && !o.check) console.log(`  alice received from ${ev.displayName}: ${ev.text}`);
  offer('peer', ev);
});
const peerSend = (line) => peer.stdin.write(`${line}\n`);
await waitFor('the demo member to start', (k, e) => k === 'peer' && e.type === 'ready');
const minted = waitFor('a voucher', (k, e) => k === 'peer' && e.command === 'mint' && e);
peerSend(`mint ${group} alice`);
const mint = await minted;
if (typeof mint.voucher !== 'string') throw new Error(`mint failed: ${mint.message}`);
const request = waitFor('the join request notice', (k, m) => k === 'irc' && m.target.toLowerCase() === CHANNEL && /Join request #(\d+)/.exec(m.text)?.[1]);
await admin(`induct ${group} ${mint.voucher}`, /Reading the voucher/);
const id = await request;
const joined = waitFor('alice to join', (k, e) => k === 'peer' && e.type === 'joined');
await admin(`approve ${id}`, /./);
await joined;
say('alice (the demo Katzenpost member) has joined the group');

// ---- 3b. Matrix: a user, an admin room with the bot, a portal room linked to the same group -------
let matrixUser;
if (MATRIX) matrixUser = await setUpMatrix();

async function setUpMatrix() {
  const password = randomBytes(9).toString('base64url');
  const secret = readFileSync(join(synapse.dir, 'registration_shared_secret'), 'utf8').trim();
  const endpoint = `${synapse.url}/_synapse/admin/v1/register`;
  const { nonce } = await (await fetch(endpoint)).json();
  const mac = createHmac('sha1', secret).update([nonce, ADMIN_NICK, password, 'notadmin'].join('\0')).digest('hex');
  const reg = await (await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nonce, username: ADMIN_NICK, password, admin: false, mac }) })).json();
  if (!reg.access_token) throw new Error(`Matrix registration failed: ${JSON.stringify(reg)}`);
  const call = async (method, path, body) => {
    const r = await fetch(`${synapse.url}/_matrix/client/v3${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${reg.access_token}` }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const j = await r.json();
    if (!r.ok) throw new Error(`Matrix ${method} ${path}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  };
  const bot = `@${BOT}:localhost`;
  const botSaid = async (room, re) => {
    const end = Date.now() + Number(o['timeout-s']) * 1000;
    while (Date.now() < end) {
      const { chunk } = await call('GET', `/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=50`);
      const hit = chunk.find((e) => e.sender === bot && re.test(String(e.content?.body ?? '')));
      if (hit) return hit.content.body;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`the bridge bot did not say ${re} in Matrix`);
  };
  const dm = (await call('POST', '/createRoom', { is_direct: true, invite: [bot] })).room_id;
  await botSaid(dm, /admin room/);
  const room = (await call('POST', '/createRoom', { name: 'Katzenpost demo', preset: 'private_chat', invite: [bot] })).room_id;
  let txn = 0;
  await call('PUT', `/rooms/${encodeURIComponent(dm)}/send/m.room.message/demo-${Date.now()}-${++txn}`, { msgtype: 'm.text', body: `link ${group} ${room}` });
  await botSaid(dm, /Linked/);
  say(`Matrix room ${room} linked to ${group}`);
  /** Resolves with the sender once `text` shows in the portal room. */
  const seen = async (text) => {
    const end = Date.now() + Number(o['timeout-s']) * 1000;
    while (Date.now() < end) {
      const { chunk } = await call('GET', `/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=50`);
      const hit = chunk.find((e) => e.type === 'm.room.message' && String(e.content?.body ?? '').includes(text));
      if (hit) return hit.sender;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error('the message did not reach the Matrix room');
  };
  return { userId: reg.user_id, password, room, seen };
}

// ---- 4. talk ------------------------------------------------------------------------------------
const hello = `Hello from Katzenpost! (${new Date().toISOString()})`;
const seen = waitFor('the message on IRC', (k, m) => k === 'irc' && m.target.toLowerCase() === CHANNEL && m.text.includes(hello) && m);
peerSend(`send ${group} ${hello}`);
const line = await seen;
say(`${CHANNEL} on IRC shows <${line.from}> ${line.text}`);
if (matrixUser) say(`the Matrix room shows it from ${await matrixUser.seen(hello)}`);
// And back: a line on IRC reaches alice from the IRC user's own stream in the group.
const reply = `Hello from IRC! (${new Date().toISOString()})`;
const received = waitFor('alice to receive the IRC line', (k, e) => k === 'peer' && e.type === 'text' && e.text === reply && e);
send(`PRIVMSG ${CHANNEL} :${reply}`);
say(`alice received "${reply}" from ${(await received).displayName}`);
if (o.check) {
  say(`check passed: a message from the Katzenpost member reached an IRC client${matrixUser ? ' and a Matrix room' : ''}, and one from IRC reached the member`);
  await finish(0);
}

// Free the admin nick for you.
send('QUIT :demo set up');
console.log(`
=== katzenbridge demo is running ===
IRC:    connect any IRC client to 127.0.0.1 port ${IRC_PORT} (no TLS), e.g.
          irssi -c 127.0.0.1 -p ${IRC_PORT} -n you     then   /join ${CHANNEL}
        Lines from alice (the demo Katzenpost member) appear there, relayed by ${BOT}.
        Admin commands: connect with the nick ${ADMIN_NICK} (the configured admin) and /msg ${BOT} help.
${matrixUser ? `Matrix: log in at http://127.0.0.1:${o['synapse-port']} (homeserver URL) as ${ADMIN_NICK} / ${matrixUser.password}
        (${matrixUser.userId}); the room "Katzenpost demo" (${matrixUser.room}) is the portal; the
        direct chat with @${BOT}:localhost is your admin room.
` : ''}What you say on IRC or Matrix reaches alice from your own stream in the group; it is printed here.
Type a line here and alice sends it to the group. Health: http://127.0.0.1:${o['http-port']}/ready
State:  ${STATE} (config.yaml, bridge.log, bridge/, peer/). Ctrl-C stops everything it started.
`);
createInterface({ input: process.stdin }).on('line', (l) => {
  if (l.trim()) peerSend(`send ${group} ${l}`);
});
