import { describe, expect, it } from 'vitest';
import {
  applyLabel,
  createFraudMetrics,
  dailyAccuracy,
  EMPTY_LABEL_STATS,
  falsePositiveRate,
  LATENCY_BUCKETS,
  Registry,
  SCORE_BUCKETS,
} from './index.js';

describe('Registry exposition (0.0.4)', () => {
  it('renders counters, gauges and histograms exactly, with escaping and cumulative buckets', () => {
    const r = new Registry();
    const requests = r.counter({
      name: 'http_requests_total',
      help: 'Requests with a "quoted" \\ backslash\nand a new line.',
      labelNames: ['method', 'path'],
    });
    const temp = r.gauge({ name: 'temperature', help: 'A gauge.' });
    const h = r.histogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['route'], buckets: [0.1, 0.5, 1] });
    requests.inc({ method: 'GET', path: '/a"b\\c\nd' });
    requests.inc({ method: 'GET', path: '/a"b\\c\nd' }, 2);
    requests.inc({ method: 'POST', path: '/' });
    temp.set(-1.5);
    h.observe(0.1, { route: 'x' });
    h.observe(0.3, { route: 'x' });
    h.observe(2, { route: 'x' });
    r.addCollector(() => [
      '# HELP process_cpu_seconds_total CPU.',
      '# TYPE process_cpu_seconds_total counter',
      'process_cpu_seconds_total 1.25',
    ]);
    expect(r.render()).toBe(
      [
        '# HELP http_requests_total Requests with a "quoted" \\\\ backslash\\nand a new line.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="GET",path="/a\\"b\\\\c\\nd"} 3',
        'http_requests_total{method="POST",path="/"} 1',
        '# HELP temperature A gauge.',
        '# TYPE temperature gauge',
        'temperature -1.5',
        '# HELP latency_seconds Latency.',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{route="x",le="0.1"} 1',
        'latency_seconds_bucket{route="x",le="0.5"} 2',
        'latency_seconds_bucket{route="x",le="1"} 2',
        'latency_seconds_bucket{route="x",le="+Inf"} 3',
        'latency_seconds_sum{route="x"} 2.4',
        'latency_seconds_count{route="x"} 3',
        '# HELP process_cpu_seconds_total CPU.',
        '# TYPE process_cpu_seconds_total counter',
        'process_cpu_seconds_total 1.25',
        '',
      ].join('\n'),
    );
  });

  it('formats special values and rejects bad definitions and labels', () => {
    const r = new Registry();
    const g = r.gauge({ name: 'g', help: 'g', labelNames: ['k'] });
    g.set(Infinity, { k: 'a' });
    g.set(-Infinity, { k: 'b' });
    g.set(NaN, { k: 'c' });
    expect(r.render()).toContain('g{k="a"} +Inf\ng{k="b"} -Inf\ng{k="c"} NaN\n');
    expect(() => g.set(1, {})).toThrow(/expected labels/);
    expect(() => g.set(1, { k: 'a', other: 'b' })).toThrow(/expected labels/);
    expect(() => r.gauge({ name: 'g', help: 'again' })).toThrow(/already registered/);
    expect(() => r.counter({ name: 'bad-name', help: '' })).toThrow(/invalid metric name/);
    expect(() => r.histogram({ name: 'h', help: '', labelNames: ['le'], buckets: [1] })).toThrow(/reserved/);
    expect(() => r.histogram({ name: 'h2', help: '', buckets: [1, 1] })).toThrow(/increasing/);
    expect(() => r.counter({ name: 'c', help: '' }).inc({}, -1)).toThrow(/only goes up/);
  });

  it('renders an empty registry as nothing and a metric without samples as HELP/TYPE only', () => {
    expect(new Registry().render()).toBe('');
    const r = new Registry();
    r.histogram({ name: 'h', help: 'h', buckets: [1] });
    expect(r.render()).toBe('# HELP h h\n# TYPE h histogram\n');
  });
});

describe('fraud metrics', () => {
  it('has the latency and 0.05-wide score buckets', () => {
    expect(LATENCY_BUCKETS[0]).toBe(0.0001);
    expect(LATENCY_BUCKETS.at(-1)).toBe(1);
    expect(SCORE_BUCKETS).toHaveLength(20);
    expect(SCORE_BUCKETS.slice(0, 4)).toEqual([0.05, 0.1, 0.15, 0.2]);
    expect(SCORE_BUCKETS.at(-1)).toBe(1);
  });

  it('records scores, drift, the model and uptime', () => {
    let now = Date.parse('2026-03-20T12:00:00Z');
    const m = createFraudMetrics({ clock: () => now, startTime: now - 90_000 });
    m.recordScore({ probability: 0.97, riskLevel: 'CRITICAL', blocked: true, latencySeconds: 0.0004 });
    m.recordScore({ probability: 0.01, riskLevel: 'LOW', blocked: false, latencySeconds: 0.002 });
    m.recordScore({ probability: 0.02, riskLevel: 'LOW', blocked: false, latencySeconds: 0.003 });
    m.recordDrift({ features: { TX_AMOUNT: { psi: 0.42 }, TX_DURING_NIGHT: { psi: null } }, score: { psi: 0.05 } });
    m.setModel('0.9.0');
    m.setModel('1.0.0');
    now += 10_000;
    const text = m.registry.render();
    expect(text).toContain('predictions_total{risk_level="CRITICAL",blocked="true"} 1\n');
    expect(text).toContain('predictions_total{risk_level="LOW",blocked="false"} 2\n');
    expect(text).toContain('fraud_score_bucket{le="0.05"} 2\n');
    expect(text).toContain('fraud_score_bucket{le="0.95"} 2\n');
    expect(text).toContain('fraud_score_bucket{le="1"} 3\n');
    expect(text).toContain('fraud_score_count 3\n');
    expect(text).toContain('fraud_detection_latency_seconds_bucket{le="0.0005"} 1\n');
    expect(text).toContain('fraud_detection_latency_seconds_bucket{le="0.0025"} 2\n');
    expect(text).toContain('fraud_detection_latency_seconds_bucket{le="0.005"} 3\n');
    expect(text).toContain('feature_drift_score{feature="TX_AMOUNT"} 0.42\n');
    expect(text).not.toContain('TX_DURING_NIGHT');
    expect(text).toContain('score_drift_score 0.05\n');
    expect(text).toContain('model_info{version="1.0.0"} 1\n');
    expect(text).not.toContain('0.9.0');
    expect(text).toContain('process_uptime_seconds 100\n');
    // No labels yet: the gauges are declared without a sample.
    expect(text).toContain('# TYPE false_positive_rate gauge\n# HELP model_accuracy_daily');
    expect(text).toContain('# TYPE model_accuracy_daily gauge\n# HELP model_info');
  });

  it('maintains the false-positive rate and the daily accuracy from labels', () => {
    let now = Date.parse('2026-03-20T23:00:00Z');
    const m = createFraudMetrics({ clock: () => now, startTime: now });
    void m.recordLabel({ label: 'legitimate', probability: 0.8, threshold: 0.5, blocked: true }); // FP, wrong
    void m.recordLabel({ label: 'fraud', probability: 0.9, threshold: 0.5, blocked: true }); // TP, right
    void m.recordLabel({ label: 'fraud', probability: 0.95, threshold: 0.5, blocked: true }); // TP, right
    void m.recordLabel({ label: 'legitimate', probability: 0.1, threshold: 0.5, blocked: false }); // TN, right
    void m.recordLabel({ label: 'fraud', probability: 0.5, threshold: 0.5, blocked: false }); // at the threshold = fraud, right
    let text = m.registry.render();
    expect(text).toContain('false_positive_rate 0.3333333333333333\n');
    expect(text).toContain('model_accuracy_daily 0.8\n');
    now = Date.parse('2026-03-21T01:00:00Z'); // a new UTC day: no accuracy until labels arrive
    text = m.registry.render();
    expect(text).not.toMatch(/^model_accuracy_daily /m);
    void m.recordLabel({ label: 'legitimate', probability: 0.7, threshold: 0.5, blocked: true });
    text = m.registry.render();
    expect(text).toContain('model_accuracy_daily 0\n');
    expect(text).toContain('false_positive_rate 0.5\n');
  });

  it('exposes the label arithmetic as pure functions', () => {
    const t = Date.parse('2026-01-01T10:00:00Z');
    expect(falsePositiveRate(EMPTY_LABEL_STATS)).toBeUndefined();
    expect(dailyAccuracy(EMPTY_LABEL_STATS, t)).toBeUndefined();
    const s = applyLabel(
      EMPTY_LABEL_STATS,
      { label: 'legitimate', probability: 0.2, threshold: 0.5, blocked: false },
      t,
    );
    expect(s).toEqual({
      blockedLabelled: 0,
      blockedLegitimate: 0,
      day: '2026-01-01',
      labelledToday: 1,
      correctToday: 1,
    });
    expect(EMPTY_LABEL_STATS.labelledToday).toBe(0);
    expect(dailyAccuracy(s, t)).toBe(1);
    expect(dailyAccuracy(s, t + 86_400_000)).toBeUndefined();
    // A label entered late (given yesterday) counts for the false-positive rate, not for today's accuracy.
    const late = applyLabel(
      s,
      { label: 'legitimate', probability: 0.9, threshold: 0.5, blocked: true },
      t - 86_400_000,
    );
    expect(late).toEqual({
      blockedLabelled: 1,
      blockedLegitimate: 1,
      day: '2026-01-01',
      labelledToday: 1,
      correctToday: 1,
    });
  });
});
