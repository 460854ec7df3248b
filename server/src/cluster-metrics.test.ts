import { describe, expect, it } from 'vitest';
import { mergeExpositions } from './cluster-metrics.js';

describe('mergeExpositions', () => {
  it('labels every sample with its worker and keeps one HELP and TYPE per family', () => {
    const worker = (n: number) =>
      [
        '# HELP predictions_total Scored transactions.',
        '# TYPE predictions_total counter',
        `predictions_total{risk_level="LOW",blocked="false"} ${n}`,
        '# HELP latency_seconds Time.',
        '# TYPE latency_seconds histogram',
        `latency_seconds_bucket{le="0.1"} ${n}`,
        `latency_seconds_sum ${n / 10}`,
        `latency_seconds_count ${n}`,
        '# HELP false_positive_rate Shared.',
        '# TYPE false_positive_rate gauge',
        'false_positive_rate 0.25',
        'process_resident_memory_bytes{} 1024',
        '',
      ].join('\n');
    expect(
      mergeExpositions(
        new Map([
          [2, worker(5)],
          [1, worker(3)],
        ]),
      ).split('\n'),
    ).toEqual([
      '# HELP predictions_total Scored transactions.',
      '# TYPE predictions_total counter',
      'predictions_total{worker="1",risk_level="LOW",blocked="false"} 3',
      'predictions_total{worker="2",risk_level="LOW",blocked="false"} 5',
      '# HELP latency_seconds Time.',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{worker="1",le="0.1"} 3',
      'latency_seconds_sum{worker="1"} 0.3',
      'latency_seconds_count{worker="1"} 3',
      'latency_seconds_bucket{worker="2",le="0.1"} 5',
      'latency_seconds_sum{worker="2"} 0.5',
      'latency_seconds_count{worker="2"} 5',
      '# HELP false_positive_rate Shared.',
      '# TYPE false_positive_rate gauge',
      'false_positive_rate{worker="1"} 0.25',
      'false_positive_rate{worker="2"} 0.25',
      'process_resident_memory_bytes{worker="1"} 1024',
      'process_resident_memory_bytes{worker="2"} 1024',
      '',
    ]);
  });
});
