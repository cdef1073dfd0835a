import { strict as assert } from 'node:assert';
import { Secret, type Config, loadConfigText } from '../../../src/config/index.js';
import { createDaemonLogger } from '../../../src/cli/daemon/daemon-logger.js';
import { startHealthServer } from '../../../src/cli/daemon/health-server.js';
import { changedKeys, planReload } from '../../../src/cli/daemon/reload.js';
import { ShutdownPlan } from '../../../src/cli/daemon/shutdown.js';
import { freePort } from '../../support/servers/free-port.js';

// The small parts `katzenbridge run` is composed of: the shutdown plan, the SIGHUP reload plan,
// the health server and the log lines.

const silent = { log: () => undefined };

describe('cli/daemon: shutdown plan', () => {
  it('stops the steps in reverse start order and reports a clean stop', async () => {
    const order: string[] = [];
    const plan = new ShutdownPlan(silent);
    for (const n of ['store', 'katzenpost', 'bridge']) plan.add(n, async () => void order.push(n));
    const r = await plan.run('SIGTERM');
    assert.deepEqual(order, ['bridge', 'katzenpost', 'store']);
    assert.equal(r.clean, true);
    assert.deepEqual(r.problems, []);
  });

  it('a hung step is cut off at the bound, the rest still stop, and the stop is not clean', async () => {
    const order: string[] = [];
    const plan = new ShutdownPlan(silent, 100);
    plan.add('store', async () => void order.push('store'));
    plan.add('hangs', () => new Promise<void>(() => undefined));
    plan.add('fails', async () => {
      throw new Error('boom');
    });
    const started = Date.now();
    const r = await plan.run('SIGTERM');
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(r.problems, ['fails', 'hangs', 'store']);
    assert.equal(r.clean, false);
    // The store ran, but after the bound was spent it is reported as not stopped in time.
    assert.deepEqual(order, []);
  });

  it('runs once: a second signal gets the same result', async () => {
    let n = 0;
    const plan = new ShutdownPlan(silent);
    plan.add('x', async () => void n++);
    const [a, b] = await Promise.all([plan.run('SIGTERM'), plan.run('SIGINT')]);
    assert.equal(n, 1);
    assert.equal(a, b);
  });
});

function config(yaml: string): Config {
  return loadConfigText(`homeserver:\n  url: http://127.0.0.1:8008\n  domain: localhost\n${yaml}`, 'c.yaml', { env: {}, readFile: () => 'x' });
}

describe('cli/daemon: SIGHUP reload plan', () => {
  it('applies logging.level and logging.json and names every other changed key for a restart', () => {
    const a = config('logging:\n  level: info\n');
    const b = config('logging:\n  level: debug\n  json: true\nbridge:\n  join_policy: auto\nstore:\n  path: /tmp/other.db\n');
    assert.deepEqual(planReload(a, b), { apply: ['logging.json', 'logging.level'], restart: ['bridge.join_policy', 'store.path'] });
    assert.deepEqual(planReload(a, a), { apply: [], restart: [] });
  });

  it('compares secrets by value without needing to print them', () => {
    const s = (v: string) => new Secret(v, { kind: 'inline' });
    assert.deepEqual(changedKeys({ t: s('one') }, { t: s('one') }), []);
    assert.deepEqual(changedKeys({ t: s('one') }, { t: s('two') }), ['t']);
    assert.deepEqual(changedKeys({ t: s('one') }, {}), ['t']);
  });
});

describe('cli/daemon: health server', () => {
  it('/health answers at once; /ready is 503 until ready and after shutdown begins', async () => {
    const port = await freePort();
    const h = await startHealthServer({ host: '127.0.0.1', port });
    try {
      assert.equal(h.address, `127.0.0.1:${port}`);
      const get = async (p: string) => (await fetch(`http://${h.address}${p}`)).status;
      assert.equal(await get('/health'), 200);
      assert.equal(await get('/ready'), 503);
      h.setReady(true);
      assert.equal(await get('/ready'), 200);
      assert.equal(await get('/readyz'), 200);
      h.setReady(false);
      assert.equal(await get('/ready'), 503);
      assert.equal(await get('/nope'), 404);
    } finally {
      await h.close();
    }
  });
});

describe('cli/daemon: log lines', () => {
  it('writes readable or JSON lines, honours the level, and changes both on reconfigure', () => {
    const lines: string[] = [];
    const log = createDaemonLogger('info', false, (l) => lines.push(l));
    log.log('debug', 'hidden');
    log.log('info', 'started', { summary: 'a b', n: 2 });
    log.reconfigure('debug', true);
    log.log('debug', 'shown', { x: 'y' });
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^\S+Z INFO started summary="a b" n=2$/);
    assert.deepEqual({ ...JSON.parse(lines[1]!), time: 't' }, { time: 't', level: 'debug', event: 'shown', x: 'y' });
  });
});
