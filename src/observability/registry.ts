// A small Prometheus client: counters, gauges and histograms with labels, rendered in the text
// exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats). Written here
// rather than taken from prom-client because we need about 200 lines of it and no new dependency
// (DESIGN.md §5). The metric set katzenbridge exposes is declared in metrics.ts, not here.

/** Content-Type of the text exposition format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** A metric gets at most this many label combinations; later ones are dropped and counted. */
export const MAX_SERIES_PER_METRIC = 2000;
/** Prometheus' client default buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export type LabelValue = string | number | boolean;
export type Labels<L extends string> = { readonly [K in L]: LabelValue };

export interface MetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, strictly increasing and finite; +Inf is added. */
  readonly buckets?: readonly number[];
}

/** `\` and newline escaped in HELP; `\`, `"` and newline in label values (format 0.0.4). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Go's strconv formatting as Prometheus parses it: integers plain, +Inf/-Inf/NaN spelled out. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface Series<S> {
  readonly values: readonly string[];
  state: S;
}

abstract class Metric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  readonly #series = new Map<string, Series<S>>();

  constructor(
    options: MetricOptions<L>,
    private readonly registry: Registry,
  ) {
    if (!METRIC_NAME.test(options.name)) throw new RangeError(`metric name ${JSON.stringify(options.name)}: expected ${METRIC_NAME.source}`);
    const labelNames = options.labelNames ?? [];
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new RangeError(`${options.name}: label name ${JSON.stringify(l)} is not allowed`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new RangeError(`${options.name}: label names repeat`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = [...labelNames];
  }

  protected abstract initial(): S;

  /** The series for these labels, created on first use; undefined once the metric is full. */
  protected series(labels: Labels<L> | undefined): Series<S> | undefined {
    const given = labels ?? ({} as Labels<L>);
    if (typeof given !== 'object' || given === null) throw new TypeError(`${this.name}: labels must be an object`);
    const keys = Object.keys(given);
    const missing = this.labelNames.filter((l) => !(l in given));
    const extra = keys.filter((k) => !(this.labelNames as readonly string[]).includes(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new TypeError(
        `${this.name}: expected labels {${this.labelNames.join(', ')}}` +
          `${missing.length ? `, missing ${missing.join(', ')}` : ''}${extra.length ? `, unknown ${extra.join(', ')}` : ''}`,
      );
    }
    const values = this.labelNames.map((l) => String(given[l]));
    const key = JSON.stringify(values);
    let s = this.#series.get(key);
    if (!s) {
      if (this.#series.size >= MAX_SERIES_PER_METRIC) {
        this.registry.seriesDropped(this.name);
        return undefined;
      }
      s = { values, state: this.initial() };
      this.#series.set(key, s);
    }
    return s;
  }

  /** Forgets one label combination (e.g. an unlinked portal), so it is no longer exposed. */
  remove(labels: Labels<L>): void {
    this.#series.delete(JSON.stringify(this.labelNames.map((l) => String(labels[l]))));
  }

  /** Forgets every series. */
  reset(): void {
    this.#series.clear();
    if (this.labelNames.length === 0) this.series(undefined);
  }

  protected labelText(values: readonly string[], extra?: readonly [string, string]): string {
    const pairs = this.labelNames.map((l, i) => `${l}="${escapeLabelValue(values[i]!)}"`);
    if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
    return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
  }

  protected abstract sampleLines(s: Series<S>): string[];

  /** HELP, TYPE and one line per sample. */
  expose(): string[] {
    const out = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.#series.values()) out.push(...this.sampleLines(s));
    return out;
  }

  /** The current state of one series, for tests and readiness decisions. */
  protected peek(labels: Labels<L> | undefined): S | undefined {
    const values = this.labelNames.map((l) => String((labels ?? ({} as Labels<L>))[l]));
    return this.#series.get(JSON.stringify(values))?.state;
  }
}

function splitArgs<L extends string>(a: Labels<L> | number | undefined, b: number | undefined, dflt: number): [Labels<L> | undefined, number] {
  return typeof a === 'number' ? [undefined, a] : [a, b ?? dflt];
}

/** Only goes up (or resets with the process); name it `..._total`. */
export class Counter<L extends string = never> extends Metric<L, { value: number }> {
  readonly type = 'counter';
  protected initial(): { value: number } {
    return { value: 0 };
  }
  inc(by?: number): void;
  inc(labels: Labels<L>, by?: number): void;
  inc(a?: Labels<L> | number, b?: number): void {
    const [labels, by] = splitArgs(a, b, 1);
    if (!Number.isFinite(by) || by < 0) throw new RangeError(`${this.name}: a counter only goes up by a finite amount >= 0, got ${by}`);
    const s = this.series(labels);
    if (s) s.state.value += by;
  }
  get(labels?: Labels<L>): number {
    return this.peek(labels)?.value ?? 0;
  }
  protected sampleLines(s: Series<{ value: number }>): string[] {
    return [`${this.name}${this.labelText(s.values)} ${formatValue(s.state.value)}`];
  }
}

/** Goes up and down: queue depths, connection state (1/0). */
export class Gauge<L extends string = never> extends Metric<L, { value: number }> {
  readonly type = 'gauge';
  protected initial(): { value: number } {
    return { value: 0 };
  }
  set(value: number): void;
  set(labels: Labels<L>, value: number): void;
  set(a: Labels<L> | number, b?: number): void {
    const [labels, value] = splitArgs(a, b, NaN);
    if (typeof value !== 'number') throw new TypeError(`${this.name}: value must be a number`);
    const s = this.series(labels);
    if (s) s.state.value = value;
  }
  inc(by?: number): void;
  inc(labels: Labels<L>, by?: number): void;
  inc(a?: Labels<L> | number, b?: number): void {
    const [labels, by] = splitArgs(a, b, 1);
    const s = this.series(labels);
    if (s) s.state.value += by;
  }
  dec(by?: number): void;
  dec(labels: Labels<L>, by?: number): void;
  dec(a?: Labels<L> | number, b?: number): void {
    const [labels, by] = splitArgs(a, b, 1);
    const s = this.series(labels);
    if (s) s.state.value -= by;
  }
  get(labels?: Labels<L>): number {
    return this.peek(labels)?.value ?? 0;
  }
  protected sampleLines(s: Series<{ value: number }>): string[] {
    return [`${this.name}${this.labelText(s.values)} ${formatValue(s.state.value)}`];
  }
}

interface HistogramState {
  readonly counts: number[]; // per bucket, not cumulative; last is +Inf
  sum: number;
  count: number;
}

/** Observations (latencies in seconds) in buckets; exposed cumulatively with _sum and _count. */
export class Histogram<L extends string = never> extends Metric<L, HistogramState> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions<L>, registry: Registry) {
    super(options, registry);
    if ((options.labelNames as readonly string[] | undefined)?.includes('le')) throw new RangeError(`${options.name}: "le" is reserved for buckets`);
    const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))) {
      throw new RangeError(`${options.name}: buckets must be finite and strictly increasing`);
    }
    this.buckets = buckets;
  }
  protected initial(): HistogramState {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }
  observe(value: number): void;
  observe(labels: Labels<L>, value: number): void;
  observe(a: Labels<L> | number, b?: number): void {
    const [labels, value] = splitArgs(a, b, NaN);
    if (!Number.isFinite(value)) throw new RangeError(`${this.name}: observed value must be finite, got ${value}`);
    const s = this.series(labels);
    if (!s) return;
    let i = this.buckets.findIndex((upper) => value <= upper);
    if (i === -1) i = this.buckets.length;
    s.state.counts[i]! += 1;
    s.state.sum += value;
    s.state.count += 1;
  }
  /** Starts a clock; calling the result observes the seconds since and returns them. */
  startTimer(labels?: Labels<L>, now: () => number = () => performance.now()): () => number {
    const start = now();
    return () => {
      const seconds = (now() - start) / 1000;
      if (labels === undefined) this.observe(seconds);
      else this.observe(labels, seconds);
      return seconds;
    };
  }
  count(labels?: Labels<L>): number {
    return this.peek(labels)?.count ?? 0;
  }
  protected sampleLines(s: Series<HistogramState>): string[] {
    const out: string[] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += s.state.counts[i]!;
      const le = i < this.buckets.length ? formatValue(this.buckets[i]!) : '+Inf';
      out.push(`${this.name}_bucket${this.labelText(s.values, ['le', le])} ${formatValue(cumulative)}`);
    }
    out.push(`${this.name}_sum${this.labelText(s.values)} ${formatValue(s.state.sum)}`);
    out.push(`${this.name}_count${this.labelText(s.values)} ${formatValue(s.state.count)}`);
    return out;
  }
}

/** What the registry needs of a metric, whatever its labels. */
interface Exposable {
  readonly name: string;
  readonly labelNames: readonly string[];
  readonly type: 'counter' | 'gauge' | 'histogram';
  expose(): string[];
  reset(): void;
}

/** Holds metrics in registration order and renders them; `collect` hooks run before each render. */
export class Registry {
  readonly #metrics = new Map<string, Exposable>();
  readonly #hooks: Array<() => void> = [];
  readonly #dropped: Counter<'metric'>;

  constructor(droppedSeriesName = 'katzenbridge_metric_series_dropped_total') {
    this.#dropped = new Counter<'metric'>(
      { name: droppedSeriesName, help: `Label combinations not recorded because a metric had ${MAX_SERIES_PER_METRIC} already.`, labelNames: ['metric'] },
      this,
    );
  }

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.#add(new Counter<L>(options, this));
  }

  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.#add(new Gauge<L>(options, this));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.#add(new Histogram<L>(options, this));
  }

  /** Runs before every render, e.g. to read queue depths from the store instead of tracking them. */
  onCollect(hook: () => void): void {
    this.#hooks.push(hook);
  }

  get(name: string): Exposable | undefined {
    return this.#metrics.get(name);
  }

  /** @internal called by a metric that is full. */
  seriesDropped(metric: string): void {
    this.#dropped.inc({ metric });
  }

  /** The whole exposition, newline-terminated. A throwing hook is skipped, not fatal. */
  expose(): string {
    for (const hook of this.#hooks) {
      try {
        hook();
      } catch {
        // Stale values beat no metrics at all.
      }
    }
    const lines: string[] = [];
    for (const m of this.#metrics.values()) lines.push(...m.expose());
    lines.push(...this.#dropped.expose());
    return `${lines.join('\n')}\n`;
  }

  #add<M extends Exposable>(m: M): M {
    if (this.#metrics.has(m.name) || m.name === this.#dropped.name) throw new RangeError(`metric ${m.name} is already registered`);
    this.#metrics.set(m.name, m);
    // An unlabelled metric is exposed as 0 from the start, so rate() has a starting point.
    if (m.labelNames.length === 0) m.reset();
    return m;
  }
}
