import { strict as assert } from 'node:assert';
import { MAX_SERIES_PER_METRIC, Registry, defineMetrics, escapeLabelValue } from '../../../src/observability/index.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text format 0.0.4, enough to check what we write. */
function parseExposition(text: string): { help: Map<string, string>; type: Map<string, string>; samples: Sample[] } {
  assert.ok(text.endsWith('\n'), 'exposition ends with a newline');
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      help.set(m[1]!, m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c)));
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      type.set(m[1]!, m[2]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a valid exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    let rest = m[2] ?? '';
    while (rest.length > 0) {
      const l = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
      assert.ok(l, `bad label text in ${JSON.stringify(line)}`);
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(l[0].length);
    }
    const v = m[3]!;
    samples.push({ name: m[1]!, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return { help, type, samples };
}

describe('observability: Prometheus registry and exposition (format 0.0.4)', () => {
  it('exposes counters and gauges with HELP/TYPE and escaped labels that parse back exactly', () => {
    const r = new Registry();
    const c = r.counter<'portal' | 'direction'>({ name: 'kb_messages_total', help: 'Messages.\nSecond line with \\ backslash', labelNames: ['portal', 'direction'] });
    const g = r.gauge({ name: 'kb_up', help: 'Up.' });
    const tricky = 'a "quoted" back\\slash\nnewline';
    c.inc({ portal: tricky, direction: 'inbound' });
    c.inc({ portal: tricky, direction: 'inbound' }, 2);
    c.inc({ portal: 'plain', direction: 'outbound' });
    g.set(1);
    const { help, type, samples } = parseExposition(r.expose());
    assert.equal(help.get('kb_messages_total'), 'Messages.\nSecond line with \\ backslash');
    assert.equal(type.get('kb_messages_total'), 'counter');
    assert.equal(type.get('kb_up'), 'gauge');
    assert.deepEqual(samples.filter((s) => s.name === 'kb_messages_total'), [
      { name: 'kb_messages_total', labels: { portal: tricky, direction: 'inbound' }, value: 3 },
      { name: 'kb_messages_total', labels: { portal: 'plain', direction: 'outbound' }, value: 1 },
    ]);
    assert.deepEqual(samples.find((s) => s.name === 'kb_up')?.value, 1);
    assert.equal(escapeLabelValue(tricky), 'a \\"quoted\\" back\\\\slash\\nnewline');
  });

  it('exposes histograms with cumulative buckets, +Inf, _sum and _count', () => {
    const r = new Registry();
    const h = r.histogram<'direction'>({ name: 'kb_latency_seconds', help: 'Latency.', labelNames: ['direction'], buckets: [0.5, 1, 5] });
    for (const v of [0.1, 0.5, 0.7, 3, 9, 100]) h.observe({ direction: 'outbound' }, v);
    const { type, samples } = parseExposition(r.expose());
    assert.equal(type.get('kb_latency_seconds'), 'histogram');
    const buckets = samples.filter((s) => s.name === 'kb_latency_seconds_bucket');
    assert.deepEqual(buckets.map((b) => [b.labels['le'], b.labels['direction'], b.value]), [
      ['0.5', 'outbound', 2],
      ['1', 'outbound', 3],
      ['5', 'outbound', 4],
      ['+Inf', 'outbound', 6],
    ]);
    assert.ok(Math.abs(samples.find((s) => s.name === 'kb_latency_seconds_sum')!.value - 113.3) < 1e-9);
    assert.equal(samples.find((s) => s.name === 'kb_latency_seconds_count')?.value, 6);
    let t = 1000;
    const stop = h.startTimer({ direction: 'inbound' }, () => t);
    t += 2500;
    assert.equal(stop(), 2.5);
    assert.equal(h.count({ direction: 'inbound' }), 1);
  });

  it('exposes unlabelled metrics as 0 from the start, and labelled ones only once used', () => {
    const r = new Registry();
    r.counter({ name: 'kb_a_total', help: 'A.' });
    r.counter<'x'>({ name: 'kb_b_total', help: 'B.', labelNames: ['x'] });
    const { samples } = parseExposition(r.expose());
    assert.deepEqual(samples.filter((s) => s.name.startsWith('kb_')).map((s) => [s.name, s.value]), [['kb_a_total', 0]]);
  });

  it('refuses misuse with TypeError/RangeError naming the metric', () => {
    const r = new Registry();
    const c = r.counter<'a'>({ name: 'kb_c_total', help: 'C.', labelNames: ['a'] });
    assert.throws(() => c.inc({} as { a: string }), { name: 'TypeError', message: /kb_c_total.*missing a/ });
    assert.throws(() => c.inc({ a: '1', b: 2 } as { a: string }), { name: 'TypeError', message: /unknown b/ });
    assert.throws(() => c.inc({ a: '1' }, -1), RangeError);
    assert.throws(() => r.counter({ name: 'kb_c_total', help: 'again' }), /already registered/);
    assert.throws(() => r.gauge({ name: 'bad-name', help: '' }), RangeError);
    assert.throws(() => r.gauge({ name: 'kb_g', help: '', labelNames: ['__x'] }), RangeError);
    assert.throws(() => r.histogram({ name: 'kb_h', help: '', labelNames: ['le'] }), RangeError);
    assert.throws(() => r.histogram({ name: 'kb_h2', help: '', buckets: [1, 1] }), RangeError);
    assert.throws(() => r.histogram({ name: 'kb_h3', help: '' }).observe(NaN), RangeError);
  });

  it('caps the series per metric and counts what it dropped', () => {
    const r = new Registry();
    const g = r.gauge<'k'>({ name: 'kb_many', help: 'Many.', labelNames: ['k'] });
    for (let i = 0; i < MAX_SERIES_PER_METRIC + 3; i++) g.set({ k: String(i) }, i);
    const { samples } = parseExposition(r.expose());
    assert.equal(samples.filter((s) => s.name === 'kb_many').length, MAX_SERIES_PER_METRIC);
    assert.deepEqual(samples.find((s) => s.name === 'katzenbridge_metric_series_dropped_total'), {
      name: 'katzenbridge_metric_series_dropped_total', labels: { metric: 'kb_many' }, value: 3,
    });
  });

  it('runs collect hooks before rendering, and a throwing hook does not break /metrics', () => {
    const r = new Registry();
    const depth = r.gauge({ name: 'kb_depth', help: 'D.' });
    let n = 0;
    r.onCollect(() => depth.set(++n));
    r.onCollect(() => { throw new Error('store closed'); });
    r.expose();
    const { samples } = parseExposition(r.expose());
    assert.equal(samples.find((s) => s.name === 'kb_depth')?.value, 2);
  });

  it('declares the katzenbridge metric set the issue asks for, and it renders validly', () => {
    const r = new Registry();
    const m = defineMetrics(r);
    m.messages.inc({ direction: 'inbound', portal: 'lounge', frontend: 'matrix' });
    m.queueDepth.set({ direction: 'outbound', portal: 'lounge' }, 4);
    m.deliveryLatency.observe({ direction: 'outbound' }, 3.2);
    m.readRequests.inc({ result: 'empty' });
    m.errors.inc({ component: 'katzenpost', code: 'daemon_gone' });
    m.katzenpostConnected.set(1);
    const { type, samples } = parseExposition(r.expose());
    for (const [name, t] of [
      ['katzenbridge_messages_total', 'counter'],
      ['katzenbridge_delivery_queue_depth', 'gauge'],
      ['katzenbridge_delivery_latency_seconds', 'histogram'],
      ['katzenbridge_read_requests_total', 'counter'],
      ['katzenbridge_errors_total', 'counter'],
      ['katzenbridge_katzenpost_connected', 'gauge'],
    ] as const) {
      assert.equal(type.get(name), t, name);
    }
    assert.equal(samples.find((s) => s.name === 'katzenbridge_delivery_queue_depth')?.value, 4);
    assert.equal(m.messages.get({ direction: 'inbound', portal: 'lounge', frontend: 'matrix' }), 1);
  });
});
