import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtocolError, decodeCbor, encodeCbor } from '../../../../src/katzenpost/protocol/index.js';
import { ThinClient, ThinClientError, parseDaemonAddress } from '../../../../src/katzenpost/client/index.js';
import { FakeDaemon, PIGEONHOLE_GEOMETRY, SPHINX_GEOMETRY } from '../../../support/fake-daemon.js';
import { setup } from './support.js';

describe('katzenpost client: transports and handshake (thin-client §1.1, §1.4)', () => {
  it('parses unix, abstract and TCP addresses and refuses bad ones', () => {
    assert.deepEqual(parseDaemonAddress('unix:/run/kp.sock'), { kind: 'unix', path: '/run/kp.sock' });
    assert.deepEqual(parseDaemonAddress('@katzenpost'), { kind: 'unix', path: '\0katzenpost' });
    assert.deepEqual(parseDaemonAddress('localhost:64331'), { kind: 'tcp', host: 'localhost', port: 64331 });
    assert.deepEqual(parseDaemonAddress('tcp://[::1]:1'), { kind: 'tcp', host: '::1', port: 1 });
    assert.throws(() => parseDaemonAddress('localhost'), TypeError);
    assert.throws(() => parseDaemonAddress('h:70000'), RangeError);
  });

  it('over TCP: reads status and PKI events, sends a 16-byte session token, exposes the geometry', async () => {
    const { daemon, client, done } = await setup();
    try {
      assert.equal(client.state, 'connected');
      assert.equal(client.maxPlaintextPayloadLength, 1549);
      assert.equal(client.status?.sphinxGeometry.UserForwardPayloadLength, 2000);
      assert.equal(client.pkiDocument?.Epoch, 1234n);
      const [tok] = daemon.requests('session_token');
      const raw = decodeCbor(tok!.raw) as Record<string, Record<string, Uint8Array>>;
      assert.deepEqual(Object.keys(raw), ['session_token']);
      assert.equal(raw['session_token']!['client_instance_token']!.length, 16);
      assert.deepEqual(new Uint8Array(raw['session_token']!['client_instance_token']!), client.instanceToken);
      assert.ok(client.instanceToken.some((b) => b !== 0));
    } finally {
      await done();
    }
  });

  it('over a unix socket: handshake and a local call', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-thin-'));
    const daemon = await FakeDaemon.start({}, join(dir, 'kp.sock'));
    const client = new ThinClient({ address: `unix:${join(dir, 'kp.sock')}` });
    try {
      const info = await client.connect();
      assert.equal(info.resumed, false);
      const kp = await client.newKeypair();
      assert.equal(kp.writeCap.length, 168);
      assert.equal(kp.readCap.length, 136);
    } finally {
      await client.close();
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails connect() clearly when nothing listens', async () => {
    const client = new ThinClient({ address: '127.0.0.1:1' });
    await assert.rejects(client.connect(), (e: unknown) => e instanceof ThinClientError && e.code === 'connect_failed');
    assert.equal(client.state, 'idle');
  });

  it('fails connect() when the daemon does not start with connection_status_event', async () => {
    const daemon = await FakeDaemon.start({ handshake: false });
    daemon.onRequest = () => false;
    const client = new ThinClient({ address: daemon.address, handshakeTimeoutMs: 2000 });
    const p = client.connect();
    await daemon.until(() => daemon.conns.length === 1, 'connection');
    daemon.conns[0]!.send('new_pki_document_event', { payload: null });
    await assert.rejects(p, (e: unknown) => e instanceof ThinClientError && e.code === 'connect_failed' && /connection_status_event/.test(e.message));
    await client.close();
    await daemon.close();
  });

  it('times out a daemon that never completes the handshake', async () => {
    const daemon = await FakeDaemon.start({ handshake: false });
    const client = new ThinClient({ address: daemon.address, handshakeTimeoutMs: 50 });
    await assert.rejects(client.connect(), (e: unknown) => e instanceof ThinClientError && /handshake/.test(e.message));
    await client.close();
    await daemon.close();
  });

  it('close() sends thin_close, rejects pending and later calls', async () => {
    const { daemon, client, done } = await setup({ autoLocal: false });
    const pending = client.nextMessageBoxIndex(new Uint8Array(104));
    await daemon.waitFor('next_message_box_index');
    const rejected = assert.rejects(pending, (e: unknown) => e instanceof ThinClientError && e.code === 'closed');
    await client.close();
    await rejected;
    await daemon.waitFor('thin_close');
    await assert.rejects(client.newKeypair(), (e: unknown) => e instanceof ThinClientError && e.code === 'closed');
    assert.equal(client.state, 'closed');
    await done();
  });

  it('checks argument lengths before sending (TypeError/RangeError)', async () => {
    const { daemon, client, done } = await setup();
    try {
      await assert.rejects(client.encryptWrite(new Uint8Array(1), new Uint8Array(167), new Uint8Array(104)), RangeError);
      await assert.rejects(client.encryptWrite(new Uint8Array(1550), new Uint8Array(168), new Uint8Array(104)), /at most 1549/);
      await assert.rejects(client.newKeypair(new Uint8Array(31)), RangeError);
      await assert.rejects(client.encryptRead('x' as never, new Uint8Array(104)), TypeError);
      assert.equal(daemon.requests('encrypt_write').length + daemon.requests('new_keypair').length, 0);
    } finally {
      await done();
    }
  });

  it('follows later status and PKI events; a bad nested PKI document is reported without dropping the connection', async () => {
    const { daemon, client, done } = await setup();
    try {
      const statuses: boolean[] = [];
      const epochs: (bigint | undefined)[] = [];
      const errors: ProtocolError[] = [];
      client.on('status', (s) => statuses.push(s.isConnected));
      client.on('pkiDocument', (d) => epochs.push(d?.Epoch));
      client.on('protocolError', (e) => errors.push(e));
      const conn = daemon.live[0]!;
      conn.send('connection_status_event', {
        is_connected: false, err: null, instance_token: daemon.instanceToken,
        sphinx_geometry: SPHINX_GEOMETRY, pigeonhole_geometry: PIGEONHOLE_GEOMETRY,
      });
      conn.send('new_pki_document_event', { payload: encodeCbor({ Epoch: 1235 }) });
      conn.send('new_pki_document_event', { payload: encodeCbor({ NoEpoch: true }) });
      conn.send('message_id_garbage_collected', { message_id: new Uint8Array(16) }); // legacy: ignored
      assert.equal((await client.newKeypair()).writeCap.length, 168);
      assert.deepEqual(statuses, [false]);
      assert.equal(client.status?.isConnected, false);
      assert.deepEqual(epochs, [1235n]);
      assert.equal(client.pkiDocument?.Epoch, 1235n);
      assert.deepEqual(errors.map((e) => e.path), ['new_pki_document_event.payload.Epoch']);
      assert.equal(daemon.requests('session_token').length, 1, 'no reconnect');
    } finally {
      await done();
    }
  });
});
