import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKatzenbridge, type KatzenbridgeProcess } from '../support/bridge-process.js';
import { freePort, startInspircd, type InspircdServer } from '../support/servers/index.js';
import type { IrcUser } from '../integration/irc-test-client.js';
import { IrcUsers, Peer } from '../support/irc-e2e.js';

// Issue 8 end to end: what an operator sees of a running `katzenbridge run` (InspIRCd, the
// embedded emulator, a Katzenpost member by `katzenbridge peer`). After messages both ways the
// daemon's /metrics counts them per direction, portal and frontend, with their latency; a SIGHUP
// after editing the config file applies logging.level and says so, and a SIGHUP with a broken
// config changes nothing and says so.

const CHANNEL = '#kbmetrics';

/** Samples of one metric from a Prometheus text exposition, with their labels. */
function samples(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const out: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    out.push({ labels: Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!])), value: Number(m[3]) });
  }
  return out;
}

describe('e2e: the running daemon’s metrics and reload (run + peer + InspIRCd)', function () {
  this.timeout(240_000);
  let server: InspircdServer;
  let dir: string;
  let configPath: string;
  let config: string;
  let httpPort: number;
  let bridge: KatzenbridgeProcess;
  let peer: Peer;
  const irc = new IrcUsers(() => server);

  before(async () => {
    server = await startInspircd();
    dir = mkdtempSync(join(tmpdir(), 'kb-e2e-metrics-'));
    const state = join(dir, 'bridge');
    configPath = join(dir, 'config.yaml');
    httpPort = await freePort();
    config = `homeserver:
  enabled: false
  url: http://127.0.0.1:8008
  domain: localhost
bridge:
  admins: [irc:test/admin]
  join_policy: auto
katzenpost:
  daemon: embedded-emulator
  emulator_profile: fast
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
logging:
  level: info
metrics:
  listen: 127.0.0.1:${httpPort}
`;
    writeFileSync(configPath, config);
    mkdirSync(state, { recursive: true, mode: 0o700 });
    bridge = startKatzenbridge(['run', '-c', configPath]);
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
  const scrape = async (): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
    assert.equal(res.status, 200);
    return res.text();
  };

  let group = '';

  it('counts messages both ways per direction, portal and frontend on /metrics, with their delivery latency', async () => {
    const admin = await user('admin');
    const dave = await user('dave', CHANNEL);
    group = /Created group (\S+)/.exec(await ask(admin, 'create Metrics Group'))?.[1] ?? assert.fail('no group created');
    assert.match(await ask(admin, `link ${group} ${CHANNEL}`), /Linked/);
    peer.send(`mint ${group} alice`);
    const voucher = String((await peer.next((e) => e['type'] === 'voucher', 'voucher'))['voucher']);
    await ask(admin, `induct ${group} ${voucher}`);
    const [notice] = await dave.expect((h) => h.type === 'notice' && /Join request #\d+/.test(h.message), 1, 60_000);
    await ask(admin, `approve ${/#(\d+)/.exec(notice!.message)![1]}`);
    await peer.next((e) => e['type'] === 'joined', 'joined');

    peer.send(`send ${group} from kp 1`);
    peer.send(`send ${group} from kp 2`);
    await dave.expect((h) => h.nick === 'alice' && h.message.startsWith('from kp '), 2, 60_000);
    dave.say(CHANNEL, 'from irc 1');
    await peer.next((e) => e['type'] === 'text' && e['text'] === 'from irc 1', 'the IRC line');

    const text = await scrape();
    const messages = samples(text, 'katzenbridge_messages_total');
    const of = (direction: string) => messages.filter((s) => s.labels['direction'] === direction);
    // Two member messages shown in the one channel; the join request and "joined" notices are not
    // messages. One IRC line written to the group.
    assert.deepEqual(of('inbound'), [{ labels: { direction: 'inbound', portal: group, frontend: 'irc-test' }, value: 2 }], text);
    assert.deepEqual(of('outbound'), [{ labels: { direction: 'outbound', portal: group, frontend: 'irc-test' }, value: 1 }], text);
    const latencyCount = (direction: string) => samples(text, 'katzenbridge_delivery_latency_seconds_count').find((s) => s.labels['direction'] === direction)?.value;
    assert.equal(latencyCount('inbound'), 2);
    assert.equal(latencyCount('outbound'), 1);
    assert.equal(samples(text, 'katzenbridge_katzenpost_connected')[0]?.value, 1);
    assert.ok((samples(text, 'katzenbridge_read_requests_total').find((s) => s.labels['result'] === 'message')?.value ?? 0) >= 2, 'the member’s boxes were read');
    // No message text or nick in any label.
    assert.doesNotMatch(text, /from kp|from irc|dave|alice/);
  });

  it('SIGHUP applies an edited logging.level from the file it was started with and names it', async () => {
    assert.doesNotMatch(bridge.stderr(), /\bDEBUG\b/, 'info level: no debug lines yet');
    writeFileSync(configPath, config.replace('level: info', 'level: debug'));
    bridge.child.kill('SIGHUP');
    await bridge.waitFor(/INFO\s+reload\.applied applied=\["logging\.level"\] needsRestart=\[\]/);
    // The new level is in force: traffic now logs at debug.
    peer.send(`send ${group} after reload`);
    await bridge.waitFor(/DEBUG\s+inbound\.stored /, 60_000);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/ready`)).status, 200);
  });

  it('SIGHUP with a broken config applies nothing, says so, and the daemon keeps running', async () => {
    writeFileSync(configPath, config.replace('level: info', 'level: loud'));
    const before = (bridge.stdout() + bridge.stderr()).length;
    bridge.child.kill('SIGHUP');
    await bridge.waitFor(/reload\.failed .*the running configuration is unchanged/);
    assert.match((bridge.stdout() + bridge.stderr()).slice(before), /logging\.level/);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/health`)).status, 200);
    assert.equal(bridge.child.exitCode, null);
    // It still bridges.
    peer.send(`send ${group} still here`);
    const dave = irc.all.find((u) => u.nick === 'dave')!;
    await dave.expect((h) => h.nick === 'alice' && h.message === 'still here', 1, 60_000);
    assert.equal(samples(await scrape(), 'katzenbridge_messages_total').find((s) => s.labels['direction'] === 'inbound')?.value, 4);
  });
});
