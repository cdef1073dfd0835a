import { strict as assert } from 'node:assert';
import { Logger, type LogLevel } from '../../../src/observability/index.js';
import type { BridgeLogger } from '../../../src/bridge/index.js';

function capture(level: LogLevel = 'debug', json = false): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = Logger.create({ level, json, sink: (l) => lines.push(l), now: () => new Date('2026-11-22T13:00:00.000Z') });
  return { log, lines };
}

describe('observability: logger formats', () => {
  it('writes readable text lines: time, level, event, bound then given fields', () => {
    const { log, lines } = capture();
    log.child({ component: 'bridge' }).child({ portal: 'lounge' }).info('delivery.done', { room: '!r:example.org', ms: 12, ok: true, who: 'Alice Smith' });
    assert.deepEqual(lines, ['2026-11-22T13:00:00.000Z INFO  delivery.done component=bridge portal=lounge room=!r:example.org ms=12 ok=true who="Alice Smith"']);
  });

  it('writes one JSON object per line with the json option', () => {
    const { log, lines } = capture('debug', true);
    log.child({ component: 'matrix' }).warn('matrix.bad_event', { code: 'missing_field', field: 'content.body', count: 2, time: 'caller field' });
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0]!), {
      time: '2026-11-22T13:00:00.000Z',
      level: 'warn',
      event: 'matrix.bad_event',
      component: 'matrix',
      code: 'missing_field',
      field: 'content.body',
      count: 2,
      _time: 'caller field',
    });
  });

  it('keeps each entry on one line whatever the text holds (no forged entries)', () => {
    for (const json of [false, true]) {
      const { log, lines } = capture('debug', json);
      log.info('event\nINFO  forged.entry admin=true', { name: 'mallory\n2026 ERROR fake', ['k\ney']: 'v' });
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.split('\n').length, 1, lines[0]);
    }
  });

  it('drops entries below the level, and configure() changes level and format for the whole family', () => {
    const { log, lines } = capture('warn');
    const child = log.child({ component: 'irc' });
    child.info('hidden');
    child.debug('hidden');
    child.error('shown');
    log.configure({ level: 'debug', json: true });
    child.debug('now.shown');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, / ERROR shown component=irc$/);
    assert.equal((JSON.parse(lines[1]!) as { event: string }).event, 'now.shown');
    assert.equal(log.level, 'debug');
    assert.throws(() => log.configure({ level: 'verbose' as LogLevel }), RangeError);
    assert.throws(() => Logger.create({ level: 'loud' as LogLevel }), RangeError);
  });

  it('is a BridgeLogger, and a throwing sink does not throw into the caller', () => {
    const log: BridgeLogger = Logger.create({ sink: () => { throw new Error('EPIPE'); } });
    assert.doesNotThrow(() => log.log('error', 'x', { a: 1 }));
  });

  it('keeps a __proto__ field as a field and never lets a field replace time, level or event', () => {
    const { log, lines } = capture('debug', true);
    log.child({ level: 'fake', event: 'fake' }).info('real', JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>);
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(parsed['level'], 'info');
    assert.equal(parsed['event'], 'real');
    assert.equal(parsed['_level'], 'fake');
    assert.deepEqual(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('omits undefined fields and prints nested objects as JSON in text mode', () => {
    const { log, lines } = capture();
    log.info('e', { gone: undefined, obj: { a: [1, 'b'] } });
    assert.equal(lines[0], '2026-11-22T13:00:00.000Z INFO  e obj={"a":[1,"b"]}');
  });
});
