import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runPeer } from '../../src/cli/commands/peer.js';
import { connectPigeonhole } from '../../src/groupchat/index.js';
import { Emulator } from '../../src/katzenpost/emulator/index.js';

// `katzenbridge peer` driven as a test would drive it: commands on stdin, one JSON line per event
// on stdout, state in a directory (restartable), against the emulator.

interface Line {
  readonly type: string;
  readonly [k: string]: unknown;
}

class PeerProcess {
  readonly lines: Line[] = [];
  readonly input = new PassThrough();
  readonly done: Promise<number>;
  private waiters: Array<() => void> = [];

  constructor(stateDir: string, address: string, autoApprove = false) {
    this.done = runPeer(
      { stateDir, address, autoApprove },
      {
        out: (t) => {
          this.lines.push(JSON.parse(t) as Line);
          for (const w of this.waiters.splice(0)) w();
        },
        err: (t) => {
          throw new Error(t);
        },
        env: {},
      },
      this.input,
      connectPigeonhole,
    );
  }

  send(line: string): void {
    this.input.write(`${line}\n`);
  }

  async waitFor(pred: (l: Line) => boolean, ms = 20_000): Promise<Line> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`timed out; lines: ${this.lines.map((l) => l.type).join(',')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async quit(): Promise<number> {
    this.send('quit');
    this.input.end();
    return this.done;
  }
}

describe('katzenbridge peer (group member on the command line) through the emulator', function () {
  this.timeout(60_000);
  let dir: string;
  let emulator: Emulator;
  let address: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kb-peer-'));
    emulator = await Emulator.start();
    address = await emulator.listen(join(dir, 'kpclientd.sock'));
  });
  after(async () => {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, mints, inducts (auto-approve), exchanges text and a file, and resumes from its state directory', async () => {
    const alice = new PeerProcess(join(dir, 'alice'), address, true);
    const bob = new PeerProcess(join(dir, 'bob'), address);
    await alice.waitFor((l) => l.type === 'ready');
    await bob.waitFor((l) => l.type === 'ready');
    alice.send('create club alice');
    await alice.waitFor((l) => l.type === 'ok' && l['command'] === 'create');
    bob.send('mint club bob');
    const minted = await bob.waitFor((l) => l.type === 'voucher' && l['command'] === 'mint');
    alice.send(`induct club ${String(minted['voucher'])}`);
    await alice.waitFor((l) => l.type === 'join_request' && l['requestedName'] === 'bob');
    await alice.waitFor((l) => l.type === 'inducted');
    await bob.waitFor((l) => l.type === 'joined');

    alice.send('send club hello   bob');
    const text = await bob.waitFor((l) => l.type === 'text');
    assert.equal(text['text'], 'hello   bob', 'the rest of the line, spacing kept');
    assert.equal(text['displayName'], 'alice');

    const file = join(dir, 'photo.bin');
    const bytes = new Uint8Array(4000).map((_, i) => i % 256);
    writeFileSync(file, bytes);
    bob.send(`send-file club ${file} image/png`);
    const got = await alice.waitFor((l) => l.type === 'file');
    assert.equal(got['size'], 4000);
    assert.equal(got['filetype'], 'image/png');
    assert.deepEqual(readFileSync(String(got['path'])), Buffer.from(bytes));

    alice.send('members club');
    const members = await alice.waitFor((l) => l.type === 'ok' && l['command'] === 'members');
    assert.deepEqual((members['members'] as Array<{ displayName: string }>).map((m) => m.displayName), ['bob']);
    bob.send('nonsense');
    await bob.waitFor((l) => l.type === 'error' && String(l['message']).includes('unknown command'));

    assert.equal(await bob.quit(), 0);
    assert.ok(existsSync(join(dir, 'bob', 'groupchat-state.json')));
    // Bob restarts on his state directory: still a member, reading on from his cursor.
    alice.send('send club while you were away');
    const bob2 = new PeerProcess(join(dir, 'bob'), address);
    await bob2.waitFor((l) => l.type === 'ready' && (l['groups'] as string[]).includes('club'));
    await bob2.waitFor((l) => l.type === 'text' && l['text'] === 'while you were away');
    assert.equal(bob2.lines.filter((l) => l.type === 'text' && l['text'] === 'hello   bob').length, 0, 'old messages are not shown again');
    assert.equal(await bob2.quit(), 0);
    assert.equal(await alice.quit(), 0);
  });
});
