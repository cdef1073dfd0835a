// `katzenbridge run` as its own process on the embedded emulator (issue 8): it starts and says
// what it started, /health and /ready answer, SIGTERM ends it with exit 0 within the shutdown
// bound after a clean shutdown log, an invalid config exits non-zero naming the key, and the
// logs of the whole run hold no secret (registration tokens, the store key).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startKatzenbridge } from '../support/bridge-process.js';
import { assertNoSecrets } from '../support/secret-scan.js';
import { freePort } from '../support/servers/free-port.js';

/** DEFAULT_SHUTDOWN_TIMEOUT_MS (src/observability/shutdown.ts), plus process exit. */
const STOP_BOUND_MS = 25_000;

describe('e2e: katzenbridge run as its own process (embedded emulator)', function () {
  this.timeout(90_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb-run-e2e-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function writeConfig(): Promise<{ path: string; httpPort: number }> {
    const httpPort = await freePort();
    const asPort = await freePort();
    const path = join(dir, 'config.yaml');
    writeFileSync(
      path,
      [
        'homeserver:',
        '  url: http://127.0.0.1:9',
        '  domain: localhost',
        '  appservice:',
        `    port: ${asPort}`,
        `    registration: ${dir}/registration.yaml`,
        'store:',
        `  path: ${dir}/state/katzenbridge.db`,
        'secrets:',
        `  key_file: ${dir}/state/secrets.key`,
        'logging:',
        '  level: debug',
        'metrics:',
        `  listen: 127.0.0.1:${httpPort}`,
        '',
      ].join('\n'),
    );
    return { path, httpPort };
  }

  it('starts with Matrix and the emulator, answers /health and /ready, exits 0 on SIGTERM, logs no secret', async () => {
    const { path, httpPort } = await writeConfig();
    const gen = startKatzenbridge(['generate-registration', '-c', path, '-f', join(dir, 'registration.yaml')]);
    assert.equal((await gen.exited).code, 0, gen.stderr());
    const reg = parse(readFileSync(join(dir, 'registration.yaml'), 'utf8')) as { as_token: string; hs_token: string };

    const kb = startKatzenbridge(['run', '-c', path, '--emulator-profile', 'fast']);
    try {
      const [line] = await kb.waitFor(/INFO\s+started summary=.*/);
      assert.match(line, /katzenpost: embedded emulator \(fast\) at unix:\S+\/state\/kpclientd\.sock/);
      assert.match(line, /frontends: matrix \(appservice on 127\.0\.0\.1:\d+ for http:\/\/127\.0\.0\.1:9\)/);
      assert.match(line, new RegExp(`http: http://127\\.0\\.0\\.1:${httpPort} \\(/health, /ready, /metrics\\)`));
      // Reads are paced by the daemon's LambdaP: the fast emulator does not pace, so the ceiling.
      assert.match(kb.stderr(), /groupchat\.read_rate readsPerSecond=20 lambdaP=1\b/);
      for (const p of ['/health', '/ready']) {
        const res = await fetch(`http://127.0.0.1:${httpPort}${p}`);
        assert.equal(res.status, 200, p);
      }
      // The appservice answers the homeserver's transactions with the registration's token only.
      const asPort = /appservice on 127\.0\.0\.1:(\d+)/.exec(line)![1];
      const denied = await fetch(`http://127.0.0.1:${asPort}/_matrix/app/v1/transactions/1`, { method: 'PUT', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, body: '{"events":[]}' });
      assert.equal(denied.status, 403);
      const ok = await fetch(`http://127.0.0.1:${asPort}/_matrix/app/v1/transactions/1`, { method: 'PUT', headers: { authorization: `Bearer ${reg.hs_token}`, 'content-type': 'application/json' }, body: '{"events":[]}' });
      assert.equal(ok.status, 200);

      // SIGHUP: logging changes in place; a changed port is named as needing a restart.
      const { readFileSync: read } = await import('node:fs');
      writeFileSync(path, read(path, 'utf8').replace('level: debug', 'level: info').replace(`port: ${asPort}`, `port: ${Number(asPort) + 1}`));
      kb.child.kill('SIGHUP');
      await kb.waitFor(/reload\.applied applied=\["logging\.level"\] needsRestart=\["homeserver\.appservice\.port"\]/);
      assert.equal((await fetch(`http://127.0.0.1:${httpPort}/ready`)).status, 200);

      const t0 = Date.now();
      const { code, signal } = await kb.stop('SIGTERM');
      assert.ok(Date.now() - t0 < STOP_BOUND_MS, `stopped in ${Date.now() - t0} ms`);
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, kb.stderr());
      assert.match(kb.stderr(), /INFO\s+shutdown\.started reason=SIGTERM/);
      assert.match(kb.stderr(), /shutdown\.finished reason=SIGTERM exitCode=0 outcomes=\{"deliveries":"done","frontend matrix":"done","groupchat":"done","katzenpost":"done","store":"done","http":"done"\}/);
    } finally {
      await kb.stop('SIGKILL');
    }
    const logs = kb.stdout() + kb.stderr();
    const key = readFileSync(join(dir, 'state', 'secrets.key'));
    assertNoSecrets(logs, [
      { label: 'as_token', value: reg.as_token },
      { label: 'hs_token', value: reg.hs_token },
      { label: 'store key', value: new Uint8Array(key) },
    ], 'the run\'s logs');
  });

  it('an invalid config exits 1 before starting anything, naming the key path and line', async () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, `homeserver:\n  url: http://127.0.0.1:9\n  domain: localhost\nmetrics:\n  listen: everywhere\nstore:\n  path: ${dir}/bad-state/kb.db\n`);
    const kb = startKatzenbridge(['run', '-c', path]);
    const { code } = await kb.exited;
    assert.equal(code, 1);
    assert.match(kb.stderr(), /bad\.yaml:5: metrics\.listen: write host:port/);
    assert.match(kb.stderr(), /run: not started because the config has problems/);
    assert.doesNotMatch(kb.stderr(), /started summary/);
  });

  it('SIGINT stops it the same way; a restart on the same state carries on', async () => {
    const { path, httpPort } = await writeConfig();
    for (let round = 0; round < 2; round++) {
      const kb = startKatzenbridge(['run', '-c', path, '--no-matrix', '--emulator-profile', 'fast']);
      try {
        await kb.waitFor(/INFO\s+started /);
        assert.equal((await fetch(`http://127.0.0.1:${httpPort}/ready`)).status, 200);
        assert.deepEqual(await kb.stop('SIGINT'), { code: 0, signal: null });
        assert.match(kb.stderr(), /shutdown\.finished reason=SIGINT exitCode=0/);
        if (round === 1) assert.doesNotMatch(kb.stderr(), /store\.migrated/);
      } finally {
        await kb.stop('SIGKILL');
      }
    }
  });
});
