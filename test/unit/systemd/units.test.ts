import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoPath } from '../../support/paths.js';

// DESIGN.md §5: the units are checked with `systemd-analyze verify` and `systemd-analyze security`.
// This container runs no systemd, so verify runs against a throwaway root holding the host's unit
// library (for targets such as sysinit.target) and stub executables at the ExecStart paths.
// A missing systemd-analyze fails these tests: scripts/test.sh installs Debian's systemd package.
const UNITS = ['katzenbridge.service', 'katzenbridge-emulator.service'] as const;
const MAX_EXPOSURE = 2.0;
const HOST_UNITS = '/usr/lib/systemd/system';

function analyze(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('systemd-analyze', [...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) {
    throw new Error(`systemd-analyze cannot run (${(r.error as NodeJS.ErrnoException).code}); install Debian's systemd package (scripts/test.sh does)`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function unitText(name: string): string {
  return readFileSync(repoPath('systemd', name), 'utf8');
}

/** Absolute executables named by Exec*= lines. */
function executables(text: string): string[] {
  return [...text.matchAll(/^Exec\w+=[-@:+!]*(\/\S+)/gm)].map((m) => m[1]!);
}

/** A fake root with the host's unit library, the given unit file and stubs for its executables. */
function fakeRoot(name: string, text: string): string {
  const root = mkdtempSync(join(tmpdir(), 'kb-systemd-'));
  cpSync(HOST_UNITS, join(root, HOST_UNITS), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/system', name), text);
  for (const exe of executables(text)) {
    mkdirSync(dirname(join(root, exe)), { recursive: true });
    writeFileSync(join(root, exe), '#!/bin/sh\n');
    chmodSync(join(root, exe), 0o755);
  }
  return root;
}

function verify(name: string, text: string): { status: number | null; output: string } {
  const root = fakeRoot(name, text);
  try {
    const r = analyze(['verify', '--man=no', `--root=${root}`, name]);
    return { status: r.status, output: (r.stdout + r.stderr).trim() };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('systemd units (DESIGN.md §5)', function () {
  this.timeout(120_000);

  before(function () {
    assert.ok(existsSync(HOST_UNITS), `${HOST_UNITS} is missing; install Debian's systemd package (scripts/test.sh does)`);
  });

  for (const name of UNITS) {
    it(`${name}: systemd-analyze verify reports nothing`, () => {
      const r = verify(name, unitText(name));
      assert.equal(r.output, '', `systemd-analyze verify printed:\n${r.output}`);
      assert.equal(r.status, 0);
    });

    it(`${name}: systemd-analyze security --offline exposure is at most ${MAX_EXPOSURE}`, () => {
      const r = analyze(['security', '--offline=true', `--threshold=${MAX_EXPOSURE * 10}`, repoPath('systemd', name)]);
      const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout);
      assert.ok(m, `no exposure level in the output:\n${r.stdout}${r.stderr}`);
      const exposure = Number(m[1]);
      console.log(`      ${name}: exposure ${exposure}`);
      assert.ok(exposure <= MAX_EXPOSURE, `exposure ${exposure} is above ${MAX_EXPOSURE}:\n${r.stdout}`);
      assert.equal(r.status, 0, r.stderr);
    });
  }

  it('the verify check fails on a unit with an unknown key (so it can catch mistakes)', () => {
    const broken = unitText('katzenbridge.service').replace('Restart=on-failure', 'Restart=on-failure\nRestartt=always');
    const r = verify('katzenbridge.service', broken);
    assert.match(r.output, /Unknown key 'Restartt'/);
  });

  it('the security check reports a higher exposure for an unhardened unit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-systemd-'));
    try {
      const plain = join(dir, 'plain.service');
      writeFileSync(plain, '[Service]\nExecStart=/bin/true\n');
      const r = analyze(['security', '--offline=true', `--threshold=${MAX_EXPOSURE * 10}`, plain]);
      const exposure = Number(/Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout)?.[1]);
      assert.ok(exposure > MAX_EXPOSURE, `expected > ${MAX_EXPOSURE}, got ${exposure}`);
      assert.notEqual(r.status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('katzenbridge.service', () => {
    const text = unitText('katzenbridge.service');
    const values = (key: string): string[] =>
      [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].flatMap((m) => m[1]!.trim().split(/\s+/));

    it('is ordered after kpclientd and Synapse without pulling them in', () => {
      assert.ok(values('After').includes('kpclientd.service'));
      assert.ok(values('After').includes('matrix-synapse.service'));
      for (const key of ['Wants', 'Requires', 'BindsTo', 'PartOf', 'Requisite']) {
        assert.ok(!values(key).some((u) => u === 'kpclientd.service' || u === 'matrix-synapse.service'), `${key}= names a peer daemon`);
      }
    });

    it('restarts on failure, runs as its own user and keeps state in StateDirectory', () => {
      assert.deepEqual(values('Restart'), ['on-failure']);
      assert.deepEqual(values('DynamicUser'), ['yes']);
      assert.deepEqual(values('StateDirectory'), ['katzenbridge']);
    });

    it('checks the config before starting the daemon', () => {
      assert.match(text, /^ExecStartPre=.*main\.js check-config /m);
    });

    it('reloads with SIGHUP, reading the config from /etc (a credential would never change while it runs)', () => {
      assert.deepEqual(values('ExecReload'), ['/bin/kill', '-HUP', '$MAINPID']);
      const start = /^ExecStart=.* run --config (\S+)$/m.exec(text)?.[1];
      assert.equal(start, '/etc/katzenbridge/config.yaml');
      assert.ok(!values('LoadCredential').some((c) => c.startsWith('config.yaml:')), 'the config is not a credential');
      assert.ok(values('LoadCredential').some((c) => c.startsWith('registration.yaml:')), 'the registration (tokens) still is');
    });
  });
});
