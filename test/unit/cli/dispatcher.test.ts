import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT_OK, EXIT_USAGE, parseFlags, type Command } from '../../../src/cli/command.js';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { runCli } from '../../../src/cli/dispatcher.js';
import { repoPath } from '../../support/paths.js';
import { recordingIo } from './support.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const NODE = repoPath('node_modules', '.bin', 'node');

describe('cli: dispatcher', () => {
  it('lists every command with its summary for --help, help and no arguments', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const io = recordingIo();
      assert.equal(await runCli(argv, io), EXIT_OK);
      for (const c of COMMANDS) assert.match(io.stdout, new RegExp(`  ${c.name} +${c.summary.replace(/[.()]/g, '\\$&')}`));
    }
    const bare = recordingIo();
    assert.equal(await runCli([], bare), EXIT_USAGE);
    assert.match(bare.stderr, /Usage: katzenbridge COMMAND/);
  });

  it('every command answers --help with its usage and help, exit 0, without running', async () => {
    for (const c of COMMANDS) {
      for (const flag of ['--help', '-h']) {
        const io = recordingIo();
        assert.equal(await runCli([c.name, flag], io), EXIT_OK, c.name);
        assert.ok(io.stdout.startsWith(`Usage: ${c.usage}\n`), `${c.name} ${flag}: ${io.stdout}`);
        assert.ok(io.stdout.includes(c.help));
        assert.equal(io.stderr, '');
      }
      const viaHelp = recordingIo();
      assert.equal(await runCli(['help', c.name], viaHelp), EXIT_OK);
      assert.ok(viaHelp.stdout.startsWith(`Usage: ${c.usage}`));
    }
  });

  it('commands have unique names and usage lines that start with their name', () => {
    const names = COMMANDS.map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    for (const c of COMMANDS) {
      assert.match(c.name, /^[a-z][a-z-]*$/);
      assert.ok(c.usage.startsWith(`katzenbridge ${c.name}`), c.usage);
      assert.ok(c.summary.length > 0 && c.help.length > 0);
    }
  });

  it('an unknown command or top-level flag is exit 2 with the list of commands', async () => {
    for (const argv of [['frobnicate'], ['--frobnicate'], ['help', 'frobnicate']]) {
      const io = recordingIo();
      assert.equal(await runCli(argv, io), EXIT_USAGE);
      assert.match(io.stderr, /unknown (command|flag) "-*frobnicate"; commands: version, check-config, generate-registration/);
      assert.equal(io.stdout, '');
    }
  });

  it('an unknown flag or wrong argument count of a command is exit 2 with its usage', async () => {
    const cases: [string[], RegExp][] = [
      [['version', '--verbose'], /katzenbridge version: unknown flag --verbose/],
      [['check-config'], /katzenbridge check-config: missing argument\nUsage: katzenbridge check-config FILE/],
      [['check-config', 'a.yaml', 'b.yaml'], /unexpected argument "b\.yaml"/],
      [['generate-registration', '-x'], /unknown flag -x/],
      [['generate-registration', '--url'], /katzenbridge generate-registration: .*--url/],
    ];
    for (const [argv, message] of cases) {
      const io = recordingIo();
      assert.equal(await runCli(argv, io), EXIT_USAGE, argv.join(' '));
      assert.match(io.stderr, message);
    }
  });

  it('adding a command is one entry: the dispatcher runs any Command value', async () => {
    let got: readonly string[] = [];
    const echo: Command = {
      name: 'echo',
      summary: 'Echo.',
      usage: 'katzenbridge echo [--loud] WORD',
      help: 'Prints WORD.',
      async run(argv, io) {
        const { values, positionals } = parseFlags(argv, { loud: { type: 'boolean' } }, { min: 1, max: 1 });
        got = argv;
        io.out(values.loud ? positionals[0]!.toUpperCase() : positionals[0]!);
        return 0;
      },
    };
    const io = recordingIo();
    assert.equal(await runCli(['echo', '--loud', 'hi'], io, [...COMMANDS, echo]), 0);
    assert.equal(io.stdout, 'HI\n');
    assert.deepEqual(got, ['--loud', 'hi']);
    assert.equal(await runCli(['echo', '--quiet', 'hi'], recordingIo(), [...COMMANDS, echo]), EXIT_USAGE);
  });

  it('version prints the package version and the runtime', async () => {
    const io = recordingIo();
    assert.equal(await runCli(['version'], io), EXIT_OK);
    const pkg = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string };
    assert.equal(io.stdout, `katzenbridge ${pkg.version} (Node.js ${process.versions.node})\n`);
    const alias = recordingIo();
    assert.equal(await runCli(['--version'], alias), EXIT_OK);
    assert.equal(alias.stdout, io.stdout);
  });

  describe('the built executable', () => {
    it('starts with a #!/usr/bin/env node line', () => {
      assert.equal(readFileSync(MAIN, 'utf8').split('\n')[0], '#!/usr/bin/env node');
    });

    it('runs on the pinned Node and exits with the dispatcher’s codes', () => {
      const ok = spawnSync(NODE, [MAIN, 'version'], { encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /^katzenbridge \S+ \(Node\.js 22\./);
      const unknown = spawnSync(NODE, [MAIN, 'nope'], { encoding: 'utf8' });
      assert.equal(unknown.status, 2);
      assert.match(unknown.stderr, /unknown command "nope"/);
    });

    it('runs through its shebang with the pinned Node first on PATH (as npm scripts do)', () => {
      const r = spawnSync('/bin/sh', ['-c', `exec /usr/bin/env node "${MAIN}" version`], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${repoPath('node_modules', '.bin')}:${process.env['PATH'] ?? ''}` },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\(Node\.js 22\./);
    });
  });
});
