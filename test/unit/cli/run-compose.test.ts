import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_FAILURE } from '../../../src/cli/command.js';
import { runDaemon, type Lifecycle } from '../../../src/cli/commands/run.js';
import { ThinClient } from '../../../src/katzenpost/index.js';
import { freePort } from '../../support/servers/free-port.js';
import { recordingIo } from './support.js';

// The whole composition in one process on the embedded emulator (fast profile), with the signals
// and the exit given by the test: start, summary, /ready, the private daemon socket another member
// can use, SIGHUP, SIGTERM. The Matrix frontend is off (no homeserver); test/e2e runs the process.

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function testLifecycle(): Lifecycle & { signals: EventEmitter; exited: Promise<number> } {
  let resolve!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolve = r));
  return { signals: new EventEmitter(), exit: (code) => resolve(code), exited };
}

describe('cli: run composes the daemon (in process)', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb-run-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeConfig(port: number, extra = ''): string {
    const p = join(dir, 'c.yaml');
    writeFileSync(p, `homeserver:\n  url: http://127.0.0.1:8008\n  domain: localhost\nstore:\n  path: ${dir}/state/kb.db\nsecrets:\n  key_file: ${dir}/state/secrets.key\nmetrics:\n  listen: 127.0.0.1:${port}\n${extra}`);
    return p;
  }

  it('starts every part, serves /ready and the daemon socket, reloads on SIGHUP and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const config = writeConfig(port);
    const io = recordingIo();
    const life = testLifecycle();
    assert.equal(await runDaemon({ configPath: config, matrix: false, emulatorProfile: 'fast', ircAdminHostmasks: {} }, io, life), undefined);
    assert.match(io.stderr, /INFO\s+started summary="katzenpost: embedded emulator \(fast\) at unix:.*\/state\/kpclientd\.sock; groups: 0; frontends: none; store: .*kb\.db; http: http:\/\/127\.0\.0\.1:\d+ \(\/health, \/ready, \/metrics\)"/);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { started: 'ok', katzenpost: 'ok' });
    const exposed = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(exposed, /^katzenbridge_katzenpost_connected 1$/m);
    assert.match(exposed, /^katzenbridge_portals 0$/m);
    assert.match(exposed, /^katzenbridge_start_time_seconds \d{10}$/m);
    // The key file was created private, and the embedded daemon takes other members.
    assert.equal(statSync(join(dir, 'state', 'secrets.key')).mode & 0o077, 0);
    const peer = new ThinClient({ address: `unix:${dir}/state/kpclientd.sock` });
    await peer.connect();
    assert.ok((await peer.newKeypair()).writeCap.length > 0);
    await peer.close();

    writeConfig(port, 'logging:\n  level: debug\nbridge:\n  join_policy: auto\n');
    life.signals.emit('SIGHUP');
    await until('the reload', () => /reload\.needs_restart/.test(io.stderr));
    assert.match(io.stderr, /INFO\s+reload\.applied applied=\["logging\.level"\] needsRestart=\["bridge\.join_policy"\]/);

    life.signals.emit('SIGTERM');
    assert.equal(await life.exited, 0);
    assert.match(io.stderr, /INFO\s+shutdown\.started reason=SIGTERM steps=\["deliveries","groupchat","katzenpost","store","http"\]/);
    assert.match(io.stderr, /shutdown\.finished reason=SIGTERM exitCode=0/);
    assert.equal(life.signals.listenerCount('SIGTERM') + life.signals.listenerCount('SIGHUP') + life.signals.listenerCount('SIGINT'), 0);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
  });

  it('a SIGHUP with a broken config applies nothing and keeps running', async () => {
    const port = await freePort();
    const config = writeConfig(port);
    const io = recordingIo();
    const life = testLifecycle();
    await runDaemon({ configPath: config, matrix: false, emulatorProfile: 'fast', ircAdminHostmasks: {} }, io, life);
    writeFileSync(config, 'logging:\n  level: loud\n');
    life.signals.emit('SIGHUP');
    await until('the refusal', () => /reload\.failed/.test(io.stderr));
    assert.match(io.stderr, /logging\.level: /);
    assert.match(io.stderr, /the running configuration is unchanged/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/ready`)).status, 200);
    life.signals.emit('SIGINT');
    assert.equal(await life.exited, 0);
  });

  it('a part that cannot start (the HTTP port is taken) stops what started and exits 1', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const io = recordingIo();
      const code = await runDaemon({ configPath: writeConfig(port), matrix: false, emulatorProfile: 'fast', ircAdminHostmasks: {} }, io, testLifecycle());
      assert.equal(code, EXIT_FAILURE);
      assert.match(io.stderr, /run: could not start: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });

  it('Matrix on without a registration file: refused with the key and the fix, the emulator stopped again', async () => {
    const port = await freePort();
    const io = recordingIo();
    const config = join(dir, 'c.yaml');
    writeFileSync(config, `homeserver:\n  url: http://127.0.0.1:8008\n  domain: localhost\n  appservice:\n    registration: ${dir}/nope.yaml\n    port: ${await freePort()}\nstore:\n  path: ${dir}/state/kb.db\nsecrets:\n  key_file: ${dir}/state/secrets.key\nmetrics:\n  listen: 127.0.0.1:${port}\n`);
    const code = await runDaemon({ configPath: config, matrix: true, emulatorProfile: 'fast', ircAdminHostmasks: {} }, io, testLifecycle());
    assert.equal(code, EXIT_FAILURE);
    assert.match(io.stderr, /homeserver\.appservice\.registration: cannot read .*nope\.yaml \(ENOENT\); write it with `katzenbridge generate-registration`/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
    assert.equal(existsSync(join(dir, 'state', 'kpclientd.sock')), false);
  });
});
