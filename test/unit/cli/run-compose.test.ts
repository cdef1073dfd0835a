import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_FAILURE, EXIT_OK } from '../../../src/cli/command.js';
import { runDaemon } from '../../../src/cli/commands/run.js';
import { ThinClient } from '../../../src/katzenpost/index.js';
import { freePort } from '../../support/servers/free-port.js';
import { recordingIo } from './support.js';

// The whole composition in one process on the embedded emulator (fast profile), with the signals
// given by the test: start, summary, /ready, the private daemon socket another member can use,
// SIGHUP, SIGTERM. The Matrix frontend is off (no homeserver here); test/e2e covers the process.

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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
    const signals = new EventEmitter();
    const exit = runDaemon({ configPath: config, matrix: false, emulatorProfile: 'fast' }, io, signals);
    await until('the summary line', () => io.stderr.includes(' INFO started '));
    assert.match(io.stderr, /INFO started summary="katzenpost: embedded emulator \(fast\) at unix:.*\/state\/kpclientd\.sock; groups: 0; frontends: none; store: .*kb\.db; http: 127\.0\.0\.1:\d+ \(\/health, \/ready\)"/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/ready`)).status, 200);
    // The key file was created private, and the embedded daemon takes other members.
    assert.equal(statSync(join(dir, 'state', 'secrets.key')).mode & 0o077, 0);
    const peer = new ThinClient({ address: `unix:${dir}/state/kpclientd.sock` });
    await peer.connect();
    assert.equal((await peer.newKeypair()).writeCap.length > 0, true);
    await peer.close();

    writeConfig(port, 'logging:\n  level: debug\nbridge:\n  join_policy: auto\n');
    signals.emit('SIGHUP');
    assert.match(io.stderr, /INFO reload\.done applied=logging\.level needs_restart=bridge\.join_policy/);

    signals.emit('SIGTERM');
    assert.equal(await exit, EXIT_OK);
    assert.match(io.stderr, /INFO shutdown\.begin reason=SIGTERM/);
    assert.match(io.stderr, /INFO shutdown\.done clean=true/);
    assert.equal(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGHUP') + signals.listenerCount('SIGINT'), 0);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
  });

  it('a SIGHUP with a broken config applies nothing and keeps running', async () => {
    const port = await freePort();
    const config = writeConfig(port);
    const io = recordingIo();
    const signals = new EventEmitter();
    const exit = runDaemon({ configPath: config, matrix: false, emulatorProfile: 'fast' }, io, signals);
    await until('the summary line', () => io.stderr.includes(' INFO started '));
    writeFileSync(config, 'logging:\n  level: loud\n');
    signals.emit('SIGHUP');
    assert.match(io.stderr, /logging\.level: /);
    assert.match(io.stderr, /WARN reload\.refused/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/ready`)).status, 200);
    signals.emit('SIGINT');
    assert.equal(await exit, EXIT_OK);
  });

  it('a part that cannot start (the HTTP port is taken) stops what started and exits 1', async () => {
    const port = await freePort();
    const blocker = (await import('node:net')).createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      const io = recordingIo();
      const code = await runDaemon({ configPath: writeConfig(port), matrix: false, emulatorProfile: 'fast' }, io, new EventEmitter());
      assert.equal(code, EXIT_FAILURE);
      assert.match(io.stderr, /run: could not start: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });

  it('Matrix on without a registration file: refused with the key and the fix', async () => {
    const port = await freePort();
    const io = recordingIo();
    const config = writeConfig(port, `  appservice:\n    registration: ${dir}/nope.yaml\n`.replace(/^/, ''));
    // The appservice section belongs under homeserver; rewrite the file with it in place.
    writeFileSync(config, `homeserver:\n  url: http://127.0.0.1:8008\n  domain: localhost\n  appservice:\n    registration: ${dir}/nope.yaml\n    port: ${await freePort()}\nstore:\n  path: ${dir}/state/kb.db\nsecrets:\n  key_file: ${dir}/state/secrets.key\nmetrics:\n  listen: 127.0.0.1:${port}\n`);
    const code = await runDaemon({ configPath: config, matrix: true, emulatorProfile: 'fast' }, io, new EventEmitter());
    assert.equal(code, EXIT_FAILURE);
    assert.match(io.stderr, /homeserver\.appservice\.registration: cannot read .*nope\.yaml \(ENOENT\); write it with `katzenbridge generate-registration`/);
    assert.equal(existsSync(join(dir, 'state', 'kpclientd.sock')), false);
  });
});
