import { strict as assert } from 'node:assert';
import { ProtocolError, encodeCbor, frame } from '../../../../src/katzenpost/protocol/index.js';
import type { SessionInfo } from '../../../../src/katzenpost/client/index.js';
import { WC, message, setup, tick, track } from './support.js';

const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

describe('katzenpost client: reconnect, resume, replay, watchdog (thin-client §1.6, §3.6)', () => {
  it('reconnects after a drop, resumes the session with the same token, and re-asks a lost local request', async () => {
    const { daemon, client, done } = await setup({ autoLocal: false });
    try {
      const sessions: SessionInfo[] = [];
      const lost: boolean[] = [];
      client.on('session', (s) => sessions.push(s));
      client.on('daemonDisconnected', (d) => lost.push(d.isGraceful));
      const local = client.nextMessageBoxIndex(new Uint8Array(104));
      await daemon.waitFor('next_message_box_index');
      daemon.dropAll();
      await daemon.waitFor('next_message_box_index', 2);
      const [first, second] = daemon.requests('next_message_box_index');
      assert.equal(hex(first!.raw), hex(second!.raw), 'same frame, same query id');
      second!.conn.reply(second!, 'next_message_box_index_reply', { next_message_box_index: new Uint8Array(104).fill(9) });
      assert.equal((await local)[0], 9);
      assert.deepEqual(sessions.map((s) => [s.resumed, s.replayed]), [[true, false]]);
      const tokens = daemon.requests('session_token').map((r) => hex(r.req.key === 'session_token' ? r.req.body.client_instance_token! : new Uint8Array()));
      assert.equal(tokens.length, 2);
      assert.equal(tokens[0], tokens[1]);
      assert.deepEqual(lost, [false]);
      assert.equal(client.state, 'connected');
    } finally {
      await done();
    }
  });

  it('does not replay in-flight mixnet requests on resume with the same daemon', async () => {
    const { daemon, client, done } = await setup({}, { watchdogMs: 60_000 });
    try {
      const w = track(client.startResendingWrite(WC, message(1)));
      await daemon.waitFor('start_resending_encrypted_message');
      daemon.dropAll();
      await daemon.waitFor('session_token', 2);
      await tick(50);
      assert.equal(daemon.requests('start_resending_encrypted_message').length, 1);
      const live = daemon.live[0]!;
      live.reply(daemon.requests('start_resending_encrypted_message')[0]!, 'start_resending_encrypted_message_reply', {});
      await daemon.until(() => w.settled(), 'write');
      assert.equal(w.error(), undefined);
    } finally {
      await done();
    }
  });

  it('replays every in-flight start_resending byte for byte after a daemon restart, and the original calls complete', async () => {
    const { daemon, client, done } = await setup();
    try {
      const sessions: SessionInfo[] = [];
      client.on('session', (s) => sessions.push(s));
      const writes = [1, 2, 3].map((i) => track(client.startResendingWrite(WC, message(i))));
      const copy = track(client.startResendingCopyCommand(WC));
      await daemon.waitFor('start_resending_encrypted_message', 3);
      await daemon.waitFor('start_resending_copy_command');
      const before = daemon.received.filter((r) => r.req.key.startsWith('start_resending')).map((r) => hex(r.raw));
      daemon.restart();
      await daemon.until(() => daemon.received.filter((r) => r.req.key.startsWith('start_resending')).length === 8, 'replayed requests');
      const after = daemon.received.filter((r) => r.req.key.startsWith('start_resending')).slice(4);
      assert.deepEqual(after.map((r) => hex(r.raw)), before);
      assert.deepEqual(sessions.map((s) => [s.resumed, s.replayed]), [[false, true]]);
      for (const r of after) r.conn.reply(r, r.req.key === 'start_resending_copy_command' ? 'start_resending_copy_command_reply' : 'start_resending_encrypted_message_reply', {});
      await daemon.until(() => writes.every((w) => w.settled()) && copy.settled(), 'completions');
      assert.ok([...writes, copy].every((w) => w.error() === undefined));
    } finally {
      await done();
    }
  });

  it('replays when the daemon no longer knows the session (grace period over), even with the same instance token', async () => {
    const { daemon, client, done } = await setup();
    try {
      const w = track(client.startResendingWrite(WC, message(4)));
      await daemon.waitFor('start_resending_encrypted_message');
      daemon.sessions.clear();
      daemon.dropAll();
      await daemon.waitFor('start_resending_encrypted_message', 2);
      const r = daemon.requests('start_resending_encrypted_message')[1]!;
      r.conn.reply(r, 'start_resending_encrypted_message_reply', {});
      await daemon.until(() => w.settled(), 'write');
      assert.equal(w.error(), undefined);
    } finally {
      await done();
    }
  });

  it('watchdog: a reply dropped while disconnected is recovered by cancel + the same request again', async () => {
    const { daemon, client, done } = await setup({}, { watchdogMs: 40 });
    try {
      const w = track(client.startResendingWrite(WC, message(5)));
      const [orig] = await daemon.waitFor('start_resending_encrypted_message');
      // The completion happens while we are away and is dropped (§1.6).
      daemon.dropAll();
      daemon.onRequest = (r) => {
        if (r.req.key !== 'cancel_resending_encrypted_message') return false;
        // The ARQ already finished: the daemon does not know the hash and only answers the cancel.
        r.conn.reply(r, 'cancel_resending_encrypted_message_reply', {});
        return true;
      };
      const [cancel] = await daemon.waitFor('cancel_resending_encrypted_message');
      assert.equal(hex(cancel!.req.key === 'cancel_resending_encrypted_message' ? cancel!.req.body.envelope_hash! : new Uint8Array()), hex(message(5).envelopeHash));
      const [, again] = await daemon.waitFor('start_resending_encrypted_message', 2);
      assert.equal(hex(again!.raw), hex(orig!.raw));
      assert.equal(w.settled(), false);
      again!.conn.reply(again!, 'start_resending_encrypted_message_reply', {});
      await daemon.until(() => w.settled(), 'write');
      assert.equal(w.error(), undefined);
    } finally {
      await done();
    }
  });

  it('watchdog: the 24 caused by its own cancel is not shown to the caller', async () => {
    const { daemon, client, done } = await setup({}, { watchdogMs: 40 });
    try {
      const w = track(client.startResendingRead(new Uint8Array(136), new Uint8Array(104), message(6)));
      await daemon.waitFor('start_resending_encrypted_message');
      daemon.dropAll();
      await daemon.waitFor('session_token', 2);
      daemon.onRequest = (r) => {
        if (r.req.key !== 'cancel_resending_encrypted_message') return false;
        const orig = daemon.requests('start_resending_encrypted_message')[0]!;
        r.conn.reply(orig, 'start_resending_encrypted_message_reply', { error_code: 24 });
        r.conn.reply(r, 'cancel_resending_encrypted_message_reply', {});
        return true;
      };
      const [, again] = await daemon.waitFor('start_resending_encrypted_message', 2);
      assert.equal(w.settled(), false);
      again!.conn.reply(again!, 'start_resending_encrypted_message_reply', { plaintext: new Uint8Array([1]) });
      await daemon.until(() => w.settled(), 'read');
      assert.deepEqual([...w.value()!.plaintext!], [1]);
    } finally {
      await done();
    }
  });

  it('a watchdog cancel still pending when the daemon restarts is dropped, so it cannot cancel the replay', async () => {
    const { daemon, client, done } = await setup({}, { watchdogMs: 30 });
    try {
      const w = track(client.startResendingWrite(WC, message(8)));
      await daemon.waitFor('start_resending_encrypted_message');
      daemon.onRequest = (r) => r.req.key === 'cancel_resending_encrypted_message'; // never answered
      daemon.dropAll();
      await daemon.waitFor('cancel_resending_encrypted_message');
      daemon.restart();
      const [, replayed] = await daemon.waitFor('start_resending_encrypted_message', 2);
      await tick(60);
      assert.equal(daemon.requests('cancel_resending_encrypted_message').length, 1, 'no cancel after the replay');
      replayed!.conn.reply(replayed!, 'start_resending_encrypted_message_reply', {});
      await daemon.until(() => w.settled(), 'write');
      assert.equal(w.error(), undefined);
    } finally {
      await done();
    }
  });

  for (const [name, bytes] of [
    ['garbage CBOR', frame(new Uint8Array([0xff, 0xfe]))],
    ['a non-map frame', frame(encodeCbor([1, 2, 3]))],
    ['a reply with a wrong-length field', frame(encodeCbor({ next_message_box_index_reply: { query_id: new Uint8Array(16), next_message_box_index: new Uint8Array(3), error_code: 0 } }))],
    ['an oversized length prefix', new Uint8Array([0xff, 0xff, 0xff, 0xff])],
  ] as const) {
    it(`a malformed reply (${name}) gives a ProtocolError event, a reconnect and no crash`, async () => {
      const { daemon, client, done } = await setup({ autoLocal: false });
      try {
        const errors: ProtocolError[] = [];
        client.on('protocolError', (e) => errors.push(e));
        const pending = client.nextMessageBoxIndex(new Uint8Array(104));
        await daemon.waitFor('next_message_box_index');
        daemon.live[0]!.raw(bytes);
        await daemon.waitFor('next_message_box_index', 2);
        const r = daemon.requests('next_message_box_index')[1]!;
        r.conn.reply(r, 'next_message_box_index_reply', { next_message_box_index: new Uint8Array(104).fill(2) });
        assert.equal((await pending)[0], 2);
        assert.equal(errors.length, 1);
        assert.ok(errors[0] instanceof ProtocolError);
        assert.equal(client.state, 'connected');
      } finally {
        await done();
      }
    });
  }

  it('marks a disconnect after shutdown_event as graceful', async () => {
    const { daemon, client, done } = await setup();
    try {
      const seen: boolean[] = [];
      client.on('daemonDisconnected', (d) => seen.push(d.isGraceful));
      daemon.live[0]!.send('shutdown_event', {});
      await tick(20);
      daemon.dropAll();
      await daemon.waitFor('session_token', 2);
      assert.deepEqual(seen, [true]);
    } finally {
      await done();
    }
  });

  it('keeps retrying with backoff while the daemon is down, then resumes', async () => {
    const { daemon, client, done } = await setup();
    try {
      const states: string[] = [];
      client.on('state', (s) => states.push(s));
      daemon.onRequest = (r) => {
        if (r.req.key === 'session_token' && daemon.requests('session_token').length < 4) {
          r.conn.drop(); // refuse the session a few times
          return true;
        }
        return false;
      };
      daemon.dropAll();
      await daemon.waitFor('session_token', 4);
      await daemon.until(() => client.state === 'connected', 'connected');
      assert.equal(states[0], 'reconnecting');
      assert.equal(states[states.length - 1], 'connected');
    } finally {
      await done();
    }
  });
});
