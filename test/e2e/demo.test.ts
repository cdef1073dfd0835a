// The quickstart (issue 8: "one command on a fresh machine runs the bridge end to end"), proven:
// `scripts/demo.sh --check` starts InspIRCd, the bridge on the embedded emulator, an IRC admin and
// a demo Katzenpost member (katzenbridge peer), and passes once the member's message reached an
// IRC client (with --matrix also Synapse, and the linked Matrix room). Installing is skipped (the suite already installed and built; scripts/test.sh runs
// the same bootstrap), and the demo runs this suite's build.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { MAIN_JS } from '../support/bridge-process.js';
import { repoPath } from '../support/paths.js';

const BUILD_DIR = resolve(dirname(MAIN_JS), '..', '..');

describe('e2e: the quickstart (scripts/demo.sh --check)', function () {
  this.timeout(180_000);

  async function demo(...flags: string[]): Promise<string> {
    const child = spawn('bash', [repoPath('scripts', 'demo.sh'), '--check', ...flags], {
      cwd: repoPath(),
      env: { ...process.env, KB_DEMO_SKIP_INSTALL: '1', KB_BUILD_DIR: BUILD_DIR, KB_DEMO_TIMEOUT_S: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 0, output);
    return output;
  }

  it('a message from the demo Katzenpost member reaches an IRC client through the bridge', async () => {
    const output = await demo();
    assert.match(output, /demo: group \S+ created by the bridge and linked to #katzenpost/);
    assert.match(output, /demo: alice \(the demo Katzenpost member\) has joined the group/);
    assert.match(output, /demo: #katzenpost on IRC shows <katzenbridge> <alice> Hello from Katzenpost!/);
    assert.match(output, /check passed/);
  });

  it('with --matrix, the cached Synapse comes up too and the same message reaches the linked Matrix room', async () => {
    const output = await demo('--matrix');
    assert.match(output, /demo: Matrix room !\S+ linked to \S+/);
    assert.match(output, /demo: the Matrix room shows it from @kp_\S+:localhost/);
    assert.match(output, /check passed: .* an IRC client and a Matrix room/);
  });
});
