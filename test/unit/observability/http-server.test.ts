import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Logger, ObservabilityServer, Readiness, Registry, defineMetrics, KnownSecrets } from '../../../src/observability/index.js';
import { assertNoSecrets } from '../../support/secret-scan.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(server: ObservabilityServer, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: server.address.host, port: server.address.port, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('observability: HTTP server (/metrics, /health, /ready)', () => {
  let server: ObservabilityServer;
  let registry: Registry;
  let readiness: Readiness;
  const known = new KnownSecrets();
  const token = randomBytes(32).toString('base64url');
  const logLines: string[] = [];

  beforeEach(async () => {
    registry = new Registry();
    defineMetrics(registry).messages.inc({ direction: 'outbound', portal: 'lounge', frontend: 'matrix' });
    known.add(token);
    readiness = new Readiness(known, 200);
    const log = Logger.create({ sink: (l) => logLines.push(l), knownSecrets: known });
    server = await ObservabilityServer.start({ listen: { host: '127.0.0.1', port: 0 }, registry, readiness, log });
  });
  afterEach(async () => {
    await server.close();
  });

  it('listens on an ephemeral loopback port and serves /metrics in the text format', async () => {
    assert.equal(server.address.host, '127.0.0.1');
    assert.ok(server.address.port > 0);
    const r = await call(server, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(r.body, /^katzenbridge_messages_total\{direction="outbound",portal="lounge",frontend="matrix"\} 1$/m);
    assert.equal((await call(server, 'GET', '/metrics?name=x')).status, 200);
  });

  it('answers /health with 200 while the process lives', async () => {
    const r = await call(server, 'GET', '/health');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 'ok' });
    assert.equal((await call(server, 'GET', '/healthz')).status, 200);
  });

  it('flips /ready between 503 (naming what is not ready) and 200 as checks change', async () => {
    const kp = readiness.flag('katzenpost connected');
    let homeserverUp = false;
    readiness.probe('homeserver reachable', () => homeserverUp);
    let r = await call(server, 'GET', '/ready');
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.body), {
      status: 'not ready',
      notReady: ['katzenpost connected', 'homeserver reachable'],
      checks: { 'katzenpost connected': 'starting', 'homeserver reachable': 'check failed' },
    });
    kp.ready();
    r = await call(server, 'GET', '/readyz');
    assert.equal(r.status, 503);
    assert.deepEqual((JSON.parse(r.body) as { notReady: string[] }).notReady, ['homeserver reachable']);
    homeserverUp = true;
    r = await call(server, 'GET', '/ready');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 'ready', checks: { 'katzenpost connected': 'ok', 'homeserver reachable': 'ok' } });
    kp.notReady(`daemon closed the session (token ${token})`);
    r = await call(server, 'GET', '/ready');
    assert.equal(r.status, 503);
    assertNoSecrets(r.body, [{ label: 'token', value: token }], '/ready body');
    assert.match(r.body, /daemon closed the session/);
  });

  it('treats a throwing or hanging probe as not ready, without its message', async () => {
    readiness.probe('store open', () => { throw Object.assign(new Error(`password=${token}`), { code: 'SQLITE_CANTOPEN' }); });
    readiness.probe('slow', () => new Promise<boolean>(() => undefined));
    const r = await call(server, 'GET', '/ready');
    assert.equal(r.status, 503);
    const body = JSON.parse(r.body) as { checks: Record<string, string> };
    assert.equal(body.checks['store open'], 'check threw Error SQLITE_CANTOPEN');
    assert.equal(body.checks['slow'], 'no answer within 200 ms');
    assertNoSecrets(r.body, [{ label: 'token', value: token }]);
  });

  it('returns 404 for other paths, 405 with Allow for other methods, and HEAD without a body', async () => {
    const nf = await call(server, 'GET', '/admin');
    assert.equal(nf.status, 404);
    assert.equal((await call(server, 'GET', '/metrics/')).status, 404);
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await call(server, method, '/metrics');
      assert.equal(r.status, 405, method);
      assert.equal(r.headers['allow'], 'GET, HEAD');
    }
    const head = await call(server, 'HEAD', '/metrics');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 0);
    const headReady = await call(server, 'HEAD', '/ready');
    assert.equal(headReady.status, 200, 'no checks registered: ready');
    assert.equal(headReady.body, '');
  });

  it('closes cleanly, even with a keep-alive connection open, and refuses connections after', async () => {
    await new Promise<void>((resolve) => {
      request({ host: '127.0.0.1', port: server.address.port, path: '/health', headers: { Connection: 'keep-alive' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).end();
    });
    await server.close();
    await assert.rejects(call(server, 'GET', '/health'), { code: 'ECONNREFUSED' });
    await server.close(); // twice is fine
  });

  it('fails to start with the listen error when the port is taken', async () => {
    await assert.rejects(
      ObservabilityServer.start({ listen: server.address, registry, readiness }),
      { code: 'EADDRINUSE' },
    );
  });
});
