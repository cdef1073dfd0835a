// `katzenbridge emulator` as a process: flags, listening, a client, a clean stop on SIGTERM.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Peer, RawClient } from '../support/emulator-raw-client.js';
import { repoPath } from '../support/paths.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NODE = repoPath('node_modules', '.bin', 'node');

describe('katzenbridge emulator (CLI)', () => {
  it('serves on the given address with --data, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-emu-cli-'));
    const child = spawn(NODE, [MAIN, 'emulator', '--profile', 'fast', '--listen', 'tcp:127.0.0.1:0', '--data', dir, '--grace', '30s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const address = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const { client } = await RawClient.open(address);
      const p = new Peer(client);
      const kp = await p.keypair();
      assert.equal((await p.write(kp.write_cap, kp.first_message_index, Buffer.from('via the cli'))).error_code, 0);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal((await client.next('shutdown_event')).key, 'shutdown_event');
      assert.equal(await exited, 0);
      assert.match(out, /profile fast, box payload 1549 bytes/);
      client.close();
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [args, message] of [
    [['--profile', 'slow'], /--profile: expected demo or fast/],
    [['--loss', '2'], /loss: must be in \[0, 1\)/],
    [['--latency', 'soon'], /latency: cannot read/],
    [['--grace', 'later'], /--grace: cannot read/],
    [['--frobnicate'], /unknown flag --frobnicate/],
  ] as const) {
    it(`refuses ${args.join(' ')} with exit 2 and a clear message`, () => {
      const r = spawnSync(NODE, [MAIN, 'emulator', ...args], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 2);
      assert.match(r.stderr, message);
    });
  }
});
