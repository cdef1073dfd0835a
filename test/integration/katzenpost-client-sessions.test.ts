// The thin client's connection behaviour against the real emulator (thin-client §1.6, §1.7):
// the 16-request window while the daemon is offline, resume, and replay across a daemon restart.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Emulator, FAST_OPTIONS } from '../../src/katzenpost/emulator/index.js';
import { ThinClient } from '../../src/katzenpost/client/index.js';
import { startEmulator } from '../support/emulator-fixture.js';

const te = new TextEncoder();
const td = new TextDecoder();
const until = async (cond: () => boolean, what: string, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('katzenpost client × emulator: sessions and limits (thin-client §1.6, §1.7)', () => {
  it('while the daemon is offline, holds writes beyond 16 locally and local calls keep working', async () => {
    const emu = await startEmulator({ online: false });
    const c = new ThinClient({ address: emu.address });
    try {
      await c.connect();
      const s = await c.newKeypair();
      let idx = s.firstMessageIndex;
      const msgs = [];
      for (let i = 0; i < 20; i++) {
        const m = await c.encryptWrite(te.encode(`m${i}`), s.writeCap, idx);
        msgs.push(m);
        idx = m.nextMessageBoxIndex;
      }
      const writes = msgs.map((m) => c.startResendingWrite(s.writeCap, m));
      await until(() => c.stats.inFlightMixnet === 16, '16 in flight');
      assert.deepEqual(c.stats, { inFlightMixnet: 16, queued: 4, pending: 20 });
      // the daemon's reader is not blocked: a local request is still answered
      assert.equal((await c.nextMessageBoxIndex(s.firstMessageIndex)).length, 104);
      emu.emulator.setOnline(true);
      await Promise.all(writes);
      assert.deepEqual(c.stats, { inFlightMixnet: 0, queued: 0, pending: 0 });
      assert.equal(td.decode((await c.readBox(s.readCap, idxOf(msgs, 19, s.firstMessageIndex))).plaintext), 'm19');
    } finally {
      await c.close();
      await emu.stop();
    }
  });

  it('a new client object with the same instance token resumes the session after disconnect()', async () => {
    const emu = await startEmulator();
    const a = new ThinClient({ address: emu.address });
    try {
      const first = await a.connect();
      await a.disconnect();
      const b = new ThinClient({ address: emu.address, instanceToken: a.instanceToken });
      const again = await b.connect();
      assert.equal(again.resumed, true);
      assert.deepEqual(again.appId, first.appId);
      await b.close();
      const c = new ThinClient({ address: emu.address, instanceToken: a.instanceToken });
      assert.equal((await c.connect()).resumed, false, 'thin_close forgot the token');
      await c.close();
    } finally {
      await emu.stop();
    }
  });

  it('after a daemon restart (new instance token) an in-flight long-poll is replayed and completes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-client-restart-'));
    const sock = join(dir, 'kp.sock');
    let emu = await Emulator.start({ options: FAST_OPTIONS, dataDir: dir });
    await emu.listen(sock);
    const reader = new ThinClient({ address: `unix:${sock}`, reconnectInitialMs: 20, reconnectMaxMs: 100 });
    try {
      await reader.connect();
      const sessions: boolean[] = [];
      reader.on('session', (s) => sessions.push(s.replayed));
      const s = await reader.newKeypair();
      const read = reader.readBox(s.readCap, s.firstMessageIndex);
      await until(() => reader.stats.inFlightMixnet === 1, 'read in flight');
      await emu.close();
      emu = await Emulator.start({ options: FAST_OPTIONS, dataDir: dir });
      await emu.listen(sock);
      await until(() => sessions.length === 1, 'reconnect');
      assert.deepEqual(sessions, [true]);
      const writer = new ThinClient({ address: `unix:${sock}` });
      await writer.connect();
      await writer.writeBox(s.writeCap, s.firstMessageIndex, te.encode('after restart'));
      await writer.close();
      assert.equal(td.decode((await read).plaintext), 'after restart');
    } finally {
      await reader.close();
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The index of message i, recomputed from the chain of encrypt replies. */
function idxOf(msgs: readonly { nextMessageBoxIndex: Uint8Array }[], i: number, first: Uint8Array): Uint8Array {
  return i === 0 ? first : msgs[i - 1]!.nextMessageBoxIndex;
}
