import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { get } from 'node:http';
import { loadConfigText, type Config } from '../../../src/config/index.js';
import { Registry, defineMetrics, startObservability, type SignalSource } from '../../../src/observability/index.js';
import { assertNoSecrets } from '../../support/secret-scan.js';

function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('observability: startObservability (the daemon wiring)', () => {
  const asToken = 'as-token-from-env-0123456789';
  const ircPassword = 'irc password with spaces';
  function config(extra = ''): Config {
    const text = `homeserver:\n  url: http://127.0.0.1:8008\n  domain: example.org\nlogging:\n  json: true\n${extra}`;
    const c = loadConfigText(text, 'test.yaml', {
      env: { KATZENBRIDGE_AS_TOKEN: asToken },
      readFile: () => { throw new Error('no files'); },
    });
    // Port 0 (any free port) is not a valid config value, so it is set here.
    return { ...c, metrics: { ...c.metrics, listen: { host: '127.0.0.1', port: 0 } } };
  }

  it('logs with the config level and format, scrubbing every config secret long enough by value', async () => {
    const lines: string[] = [];
    const signals = new EventEmitter();
    const obs = await startObservability(
      // efnet's password is too short to scrub by value; it must not stop the start.
      config(`irc:\n  networks:\n    libera:\n      host: irc.libera.chat\n      password: ${JSON.stringify(ircPassword)}\n    efnet:\n      host: irc.efnet.org\n      password: pw1\n`),
      { sink: (l) => lines.push(l), signals: signals as unknown as SignalSource, crashes: false, exit: () => undefined, registry: new Registry(), metrics: defineMetrics(new Registry()) },
    );
    try {
      obs.log.info(`connecting with ${asToken}`, { detail: `PASS ${ircPassword}` });
      assert.ok(lines.every((l) => JSON.parse(l) !== undefined), 'JSON lines');
      assertNoSecrets(lines.join('\n'), [{ label: 'as_token', value: asToken }, { label: 'irc password', value: ircPassword }]);
    } finally {
      await obs.shutdown.shutdown('test');
    }
  });

  it('serves /ready, turns it 503 while shutting down, closes the server last and exits 0 on SIGTERM', async () => {
    const signals = new EventEmitter();
    const exits: number[] = [];
    const registry = new Registry();
    const obs = await startObservability(config(), {
      sink: () => undefined, signals: signals as unknown as SignalSource, crashes: false, exit: (c) => exits.push(c), registry, metrics: defineMetrics(registry),
    });
    const url = obs.server!.url;
    assert.equal(await getStatus(`${url}/ready`), 200);
    const seen: number[] = [];
    obs.shutdown.addDrain('deliveries', async () => { seen.push(await getStatus(`${url}/ready`)); });
    signals.emit('SIGTERM');
    const report = await obs.shutdown.shutdown('SIGTERM');
    assert.deepEqual(seen, [503]);
    assert.deepEqual(report.steps.map((s) => s.name), ['deliveries', 'close metrics server']);
    assert.deepEqual(exits, [0]);
    await assert.rejects(getStatus(`${url}/health`), { code: 'ECONNREFUSED' });
  });

  it('starts no server when metrics.enabled is false', async () => {
    const obs = await startObservability(config('metrics:\n  enabled: false\n'), {
      sink: () => undefined, signals: new EventEmitter() as unknown as SignalSource, crashes: false, exit: () => undefined, registry: new Registry(),
    });
    assert.equal(obs.server, undefined);
    await obs.shutdown.shutdown('test');
  });
});
