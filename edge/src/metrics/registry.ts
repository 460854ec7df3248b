// A tiny Prometheus registry with no dependency: counters, gauges and histograms with labels, rendered in the
// text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
// Web-standard only: hosts add their own lines (the Node server's process_* metrics) with addCollector.

export type Labels = Readonly<Record<string, string | number | boolean>>;

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value in a sample line: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed escaped (double quotes stay). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value: +Inf, -Inf, NaN or the shortest round-tripping decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labelText(names: readonly string[], values: readonly string[], extra?: readonly [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

export interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

abstract class Metric<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(
    readonly type: 'counter' | 'gauge' | 'histogram',
    options: MetricOptions,
    reserved: readonly string[] = [],
  ) {
    if (!METRIC_NAME.test(options.name)) throw new Error(`invalid metric name ${JSON.stringify(options.name)}`);
    const labelNames = options.labelNames ?? [];
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__'))
        throw new Error(`${options.name}: invalid label name ${JSON.stringify(label)}`);
      if (reserved.includes(label)) throw new Error(`${options.name}: label name ${label} is reserved`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`${options.name}: duplicate label names`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = [...labelNames];
  }

  /** The label values in labelNames order; exactly the declared labels, else an Error. */
  protected values(labels: Labels): string[] {
    const keys = Object.keys(labels);
    if (keys.length !== this.labelNames.length || keys.some((k) => !this.labelNames.includes(k))) {
      throw new Error(`${this.name}: expected labels {${this.labelNames.join(',')}}, got {${keys.join(',')}}`);
    }
    return this.labelNames.map((n) => String(labels[n]));
  }

  protected entry(labels: Labels, init: () => S): S {
    const values = this.values(labels);
    const key = JSON.stringify(values);
    let found = this.series.get(key);
    if (!found) {
      found = { values, state: init() };
      this.series.set(key, found);
    }
    return found.state;
  }

  /** Forget one labelled series (it is no longer exported). */
  remove(labels: Labels = {}): void {
    this.series.delete(JSON.stringify(this.values(labels)));
  }

  /** Forget every series. */
  reset(): void {
    this.series.clear();
  }

  protected abstract samples(): string[];

  render(): string[] {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()];
  }
}

export class Counter extends Metric<{ value: number }> {
  constructor(options: MetricOptions) {
    super('counter', options);
  }

  /** Add `by` (default 1; must be ≥ 0) to the series with these labels. */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) throw new Error(`${this.name}: a counter only goes up (got ${by})`);
    this.entry(labels, () => ({ value: 0 })).value += by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(JSON.stringify(this.values(labels)))?.state.value ?? 0;
  }

  protected samples(): string[] {
    return [...this.series.values()].map(
      ({ values, state }) => `${this.name}${labelText(this.labelNames, values)} ${formatValue(state.value)}`,
    );
  }
}

export interface GaugeOptions extends MetricOptions {
  /** Computed at render time for an unlabelled gauge (e.g. uptime); undefined → no sample. */
  collect?: () => number | undefined;
}

export class Gauge extends Metric<{ value: number }> {
  private readonly collect: (() => number | undefined) | undefined;

  constructor(options: GaugeOptions) {
    super('gauge', options);
    if (options.collect && this.labelNames.length > 0)
      throw new Error(`${this.name}: collect is only for unlabelled gauges`);
    this.collect = options.collect;
  }

  set(value: number, labels: Labels = {}): void {
    this.entry(labels, () => ({ value: 0 })).value = value;
  }

  inc(by = 1, labels: Labels = {}): void {
    this.entry(labels, () => ({ value: 0 })).value += by;
  }

  dec(by = 1, labels: Labels = {}): void {
    this.inc(-by, labels);
  }

  get(labels: Labels = {}): number | undefined {
    if (this.collect) return this.collect();
    return this.series.get(JSON.stringify(this.values(labels)))?.state.value;
  }

  protected samples(): string[] {
    if (this.collect) {
      const value = this.collect();
      return value === undefined ? [] : [`${this.name} ${formatValue(value)}`];
    }
    return [...this.series.values()].map(
      ({ values, state }) => `${this.name}${labelText(this.labelNames, values)} ${formatValue(state.value)}`,
    );
  }
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds (inclusive, `le`), strictly increasing and finite; +Inf is added. */
  buckets: readonly number[];
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramState> {
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions) {
    super('histogram', options, ['le']);
    const b = options.buckets;
    if (b.length === 0) throw new Error(`${this.name}: at least one bucket is required`);
    for (let i = 0; i < b.length; i++) {
      const bound = b[i]!;
      if (!Number.isFinite(bound)) throw new Error(`${this.name}: bucket bounds must be finite (+Inf is implicit)`);
      if (i > 0 && !(bound > b[i - 1]!)) throw new Error(`${this.name}: bucket bounds must be strictly increasing`);
    }
    this.buckets = [...b];
  }

  observe(value: number, labels: Labels = {}): void {
    if (Number.isNaN(value)) return;
    const state = this.entry(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    // Non-cumulative per bucket; render accumulates. Linear scan: bucket lists are short.
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) state.counts[index] = (state.counts[index] ?? 0) + 1;
    state.sum += value;
    state.count += 1;
  }

  /** Count and sum of the series with these labels. */
  get(labels: Labels = {}): { count: number; sum: number } {
    const state = this.series.get(JSON.stringify(this.values(labels)))?.state;
    return { count: state?.count ?? 0, sum: state?.sum ?? 0 };
  }

  protected samples(): string[] {
    const lines: string[] = [];
    for (const { values, state } of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += state.counts[i] ?? 0;
        lines.push(
          `${this.name}_bucket${labelText(this.labelNames, values, ['le', formatValue(bound)])} ${cumulative}`,
        );
      });
      lines.push(`${this.name}_bucket${labelText(this.labelNames, values, ['le', '+Inf'])} ${state.count}`);
      lines.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(state.sum)}`);
      lines.push(`${this.name}_count${labelText(this.labelNames, values)} ${state.count}`);
    }
    return lines;
  }
}

/** Extra exposition lines from the host (already formatted, HELP/TYPE included), appended on each render. */
export type Collector = () => string | readonly string[];

export class Registry {
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();
  private readonly collectors: Collector[] = [];

  private add<M extends Counter | Gauge | Histogram>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} is already registered`);
    this.metrics.set(metric.name, metric);
    return metric;
  }

  counter(options: MetricOptions): Counter {
    return this.add(new Counter(options));
  }

  gauge(options: GaugeOptions): Gauge {
    return this.add(new Gauge(options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.add(new Histogram(options));
  }

  get(name: string): Counter | Gauge | Histogram | undefined {
    return this.metrics.get(name);
  }

  /** Register a host collector (e.g. the Node server's process_* metrics); its lines follow the registry's own. */
  addCollector(collector: Collector): () => void {
    this.collectors.push(collector);
    return () => {
      const i = this.collectors.indexOf(collector);
      if (i >= 0) this.collectors.splice(i, 1);
    };
  }

  /** The whole exposition, metrics in registration order, ending with a line feed. */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics.values()) lines.push(...metric.render());
    for (const collector of this.collectors) {
      const out = collector();
      const more = typeof out === 'string' ? out.split('\n') : out;
      for (const line of more) if (line !== '') lines.push(line);
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}
