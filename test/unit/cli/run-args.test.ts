import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from '../../../src/cli/command.js';
import { parseRunArgs, runDaemon } from '../../../src/cli/commands/run.js';
import { runCli } from '../../../src/cli/dispatcher.js';
import { recordingIo } from './support.js';

// `katzenbridge run`: its command line, and the refusal to start on a config with problems.

describe('cli: run arguments', () => {
  it('takes -c or --config, Matrix on and the demo emulator profile by default', () => {
    assert.deepEqual(parseRunArgs(['-c', 'a.yaml']), { configPath: 'a.yaml', matrix: true, ircAdminHostmasks: {} });
    assert.deepEqual(
      parseRunArgs(['--config', 'b.yaml', '--no-matrix', '--emulator-profile', 'fast', '--irc-admin-hostmask', 'irc:local/op=op!*@127.0.0.1', '--irc-admin-hostmask', 'irc:local/op=op!*@::1']),
      { configPath: 'b.yaml', matrix: false, emulatorProfile: 'fast', ircAdminHostmasks: { 'irc:local/op': ['op!*@127.0.0.1', 'op!*@::1'] } },
    );
  });

  it('refuses a missing config, a bad profile, an unknown flag and a positional argument', () => {
    assert.throws(() => parseRunArgs([]), (e: Error) => e instanceof UsageError && /-c CONFIG is required/.test(e.message));
    assert.throws(() => parseRunArgs(['-c', 'x', '--emulator-profile', 'slow']), (e: Error) => e instanceof UsageError && /demo or fast, got "slow"/.test(e.message));
    assert.throws(() => parseRunArgs(['-c', 'x', '--bogus']), (e: Error) => e instanceof UsageError && /unknown flag --bogus/.test(e.message));
    assert.throws(() => parseRunArgs(['-c', 'x', 'extra']), UsageError);
    assert.throws(() => parseRunArgs(['-c', 'x', '--irc-admin-hostmask', 'irc:local/op=op']), (e: Error) => e instanceof UsageError && /NICK!USER@HOST, got "irc:local\/op=op"/.test(e.message));
  });

  it('is listed by the dispatcher; a bad command line exits 2 with the usage', async () => {
    const help = recordingIo();
    assert.equal(await runCli(['--help'], help), 0);
    assert.match(help.stdout, /^ {2}run +Run the bridge daemon\.$/m);
    const io = recordingIo();
    assert.equal(await runCli(['run'], io), EXIT_USAGE);
    assert.match(io.stderr, /katzenbridge run: -c CONFIG is required\nUsage: katzenbridge run -c CONFIG/);
  });
});

describe('cli: run refuses an invalid config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb-run-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every problem with its key path, exits 1 and creates no state', async () => {
    const config = join(dir, 'c.yaml');
    const state = join(dir, 'state');
    writeFileSync(config, `homeserver:\n  domain: localhost\nstore:\n  path: ${state}/kb.db\nkatzenpost:\n  daemon: carrier-pigeon\n`);
    const io = recordingIo();
    const signals = new EventEmitter();
    const code = await runDaemon({ configPath: config, matrix: false, emulatorProfile: 'fast', ircAdminHostmasks: {} }, io, { signals, exit: () => assert.fail('exit') });
    assert.equal(code, EXIT_FAILURE);
    assert.match(io.stderr, /c\.yaml:1: homeserver\.url: set homeserver\.url/);
    assert.match(io.stderr, /c\.yaml:6: katzenpost\.daemon: write embedded-emulator, unix:\/absolute\/socket\/path or tcp:host:port, not "carrier-pigeon"/);
    assert.match(io.stderr, /run: not started because the config has problems/);
    assert.equal(existsSync(state), false);
    assert.equal(signals.listenerCount('SIGTERM'), 0);
  });

  it('a config file that does not exist is refused the same way', async () => {
    const io = recordingIo();
    assert.equal(await runDaemon({ configPath: join(dir, 'missing.yaml'), matrix: false, emulatorProfile: 'fast', ircAdminHostmasks: {} }, io, { signals: new EventEmitter(), exit: () => assert.fail('exit') }), EXIT_FAILURE);
    assert.match(io.stderr, /missing\.yaml/);
    assert.match(io.stderr, /not started/);
  });
});
