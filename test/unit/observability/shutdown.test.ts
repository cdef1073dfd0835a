import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { loadConfigText, Secret, type Config } from '../../../src/config/index.js';
import {
  LOGGING_RELOADABLE_KEYS, Logger, Shutdown, applyLoggingConfig, logCrashes, changedKeys, planReload, type SignalSource,
} from '../../../src/observability/index.js';

function setup(timeoutMs = 1000) {
  const lines: string[] = [];
  const log = Logger.create({ json: true, sink: (l) => lines.push(l) });
  const emitter = new EventEmitter();
  const signals: SignalSource = { on: (s, h) => emitter.on(s, h), off: (s, h) => emitter.off(s, h) };
  const exits: number[] = [];
  let exited!: () => void;
  const exitedP = new Promise<void>((r) => { exited = r; });
  const shutdown = new Shutdown({ log, timeoutMs, signals, exit: (code) => { exits.push(code); exited(); } });
  const events = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { shutdown, emitter, exits, exitedP, events, log };
}

describe('observability: shutdown and reload', () => {
  it('does not touch signals until install(), and uninstall() removes every handler', () => {
    const { shutdown, emitter } = setup();
    assert.equal(emitter.eventNames().length, 0);
    shutdown.install();
    assert.deepEqual(emitter.eventNames().sort(), ['SIGHUP', 'SIGINT', 'SIGTERM']);
    shutdown.uninstall();
    assert.equal(emitter.eventNames().length, 0);
  });

  it('on SIGTERM runs the drain steps in order, logs each, then exits 0', async () => {
    const { shutdown, emitter, exits, exitedP, events } = setup();
    const order: string[] = [];
    shutdown.addDrain('stop intake', () => { order.push('stop intake'); });
    shutdown.addDrain('drain deliveries', async () => { await new Promise((r) => setTimeout(r, 5)); order.push('drain deliveries'); });
    shutdown.addDrain('close store', () => { order.push('close store'); });
    shutdown.install();
    emitter.emit('SIGTERM');
    await exitedP;
    assert.deepEqual(order, ['stop intake', 'drain deliveries', 'close store']);
    assert.deepEqual(exits, [0]);
    const ev = events();
    assert.deepEqual(ev.map((e) => e['event']), ['shutdown.started', 'shutdown.step_done', 'shutdown.step_done', 'shutdown.step_done', 'shutdown.finished']);
    assert.equal(ev[0]!['reason'], 'SIGTERM');
    assert.deepEqual(ev[4]!['outcomes'], { 'stop intake': 'done', 'drain deliveries': 'done', 'close store': 'done' });
    assert.equal(emitter.eventNames().length, 0, 'handlers removed after the run');
  });

  it('gives up at the bound: the running step is aborted, the rest skipped, exit 1', async () => {
    const { shutdown, exits, events } = setup(50);
    let sawAbort = false;
    const ran: string[] = [];
    shutdown.addDrain('quick', () => { ran.push('quick'); });
    shutdown.addDrain('stuck', (signal) => new Promise<void>((resolve) => {
      ran.push('stuck');
      signal.addEventListener('abort', () => { sawAbort = true; }); // never resolves: abandoned
      void resolve;
    }));
    shutdown.addDrain('never', () => { ran.push('never'); });
    const report = await shutdown.shutdown('SIGINT');
    assert.deepEqual(ran, ['quick', 'stuck']);
    assert.ok(sawAbort, 'the stuck step was told to stop');
    assert.deepEqual(report.steps.map((s) => [s.name, s.outcome]), [['quick', 'done'], ['stuck', 'timed_out'], ['never', 'skipped']]);
    assert.equal(report.exitCode, 1);
    assert.deepEqual(exits, [1]);
    const names = events().map((e) => e['event']);
    assert.ok(names.includes('shutdown.step_timed_out') && names.includes('shutdown.steps_skipped'), names.join());
  });

  it('keeps going after a failing step, logs its error, exits 1; a second call returns the same run', async () => {
    const { shutdown, exits, events } = setup();
    const ran: string[] = [];
    shutdown.addDrain('frontends', () => { throw Object.assign(new Error('irc gone'), { code: 'ECONNRESET' }); });
    shutdown.addDrain('store', () => { ran.push('store'); });
    const a = shutdown.shutdown('SIGTERM');
    const b = shutdown.shutdown('again');
    assert.equal(a, b);
    const report = await a;
    assert.deepEqual(ran, ['store']);
    assert.deepEqual(report.steps.map((s) => s.outcome), ['failed', 'done']);
    assert.deepEqual(exits, [1]);
    const failed = events().find((e) => e['event'] === 'shutdown.step_failed')!;
    assert.deepEqual(failed['err'], { name: 'Error', message: 'irc gone', code: 'ECONNRESET' });
    assert.throws(() => shutdown.addDrain('late', () => undefined), /while shutting down/);
  });

  it('exits at once on a second stop signal while draining', async () => {
    const { shutdown, emitter, exits } = setup();
    let release!: () => void;
    shutdown.addDrain('slow', () => new Promise<void>((r) => { release = r; }));
    shutdown.install();
    emitter.emit('SIGTERM');
    await new Promise((r) => setImmediate(r));
    emitter.emit('SIGINT');
    assert.deepEqual(exits, [1]);
    release();
  });

  it('logs a crash through the redactor and shuts down with exit 1 even when every step drains', async () => {
    const { shutdown, exitedP, exits, events, log } = setup();
    const crashes = new EventEmitter();
    shutdown.addDrain('store', () => undefined);
    const remove = logCrashes(shutdown, log, crashes);
    crashes.emit('unhandledRejection', Object.assign(new Error('boom'), { code: 'EBOOM', as_token: 'crash-token-in-plain-words' }));
    await exitedP;
    assert.deepEqual(exits, [1]);
    const crash = events().find((e) => e['event'] === 'process.crashed')!;
    assert.equal(crash['kind'], 'unhandledRejection');
    assert.deepEqual(crash['err'], { name: 'Error', message: 'boom', code: 'EBOOM', as_token: '[redacted]' });
    remove();
    assert.equal(crashes.eventNames().length, 0);
  });

  it('on SIGHUP calls the reload callback and logs which keys it applied and which need a restart', async () => {
    const { shutdown, emitter, events } = setup();
    let calls = 0;
    shutdown.onReload(() => { calls++; return { applied: ['logging.level'], needsRestart: ['store.path'] }; });
    shutdown.install();
    emitter.emit('SIGHUP');
    await shutdown.reload(); // queued behind the signal's run
    assert.equal(calls, 2);
    const applied = events().filter((e) => e['event'] === 'reload.applied');
    assert.equal(applied.length, 2);
    assert.deepEqual(applied[0]!['applied'], ['logging.level']);
    assert.deepEqual(applied[0]!['needsRestart'], ['store.path']);
    assert.ok(events().some((e) => e['event'] === 'reload.needs_restart'));
    shutdown.uninstall();
  });

  it('logs a failed reload without its secrets and keeps running; no callback means ignored', async () => {
    const { shutdown, events } = setup();
    assert.equal(await shutdown.reload(), undefined);
    shutdown.onReload(() => { throw Object.assign(new Error('config.yaml: 1 problem'), { code: 'invalid_config', token: 'tok-abcdef-123456' }); });
    assert.equal(await shutdown.reload(), undefined);
    const ev = events();
    assert.equal(ev[0]!['event'], 'reload.ignored');
    assert.equal(ev[1]!['event'], 'reload.failed');
    assert.doesNotMatch(JSON.stringify(ev[1]), /tok-abcdef-123456/);
  });

  it('plans a reload from two Configs by key path, comparing secrets without printing them', () => {
    const base = 'homeserver:\n  url: http://127.0.0.1:8008\n  domain: example.org\n';
    const readFile = (path: string): string => { throw new Error(`no file ${path} in this test`); };
    const before: Config = loadConfigText(`${base}logging:\n  level: info\n`, 'a.yaml', { env: { KATZENBRIDGE_AS_TOKEN: 'first-token-value' }, readFile });
    const after: Config = loadConfigText(`${base}logging:\n  level: debug\nstore:\n  path: /tmp/other.db\n`, 'b.yaml', { env: { KATZENBRIDGE_AS_TOKEN: 'second-token-value' }, readFile });
    const plan = planReload(before, after, LOGGING_RELOADABLE_KEYS);
    assert.deepEqual(plan.apply, ['logging.level']);
    assert.deepEqual([...plan.needsRestart].sort(), ['homeserver.appservice.as_token', 'store.path']);
    assert.deepEqual(changedKeys({ a: new Secret('same-value', { kind: 'inline' }) }, { a: new Secret('same-value', { kind: 'env', variable: 'X' }) }), []);
    const lines: string[] = [];
    const log = Logger.create({ sink: (l) => lines.push(l) });
    assert.deepEqual(applyLoggingConfig(log, before.logging, after.logging), ['logging.level']);
    assert.equal(log.level, 'debug');
  });
});
