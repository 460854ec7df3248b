import { describe, expect, it } from 'vitest';
import { createFraudMetrics } from '../../metrics/index.js';
import { metricsRoutes } from './index.js';
import { Hono } from 'hono';

describe('GET /metrics', () => {
  it('serves the exposition as text/plain version 0.0.4', async () => {
    const now = Date.parse('2026-03-20T12:00:00Z');
    const metrics = createFraudMetrics({ clock: () => now, startTime: now - 5_000 });
    metrics.setModel('1.0.0');
    metrics.recordScore({ probability: 0.5, riskLevel: 'MEDIUM', blocked: true, latencySeconds: 0.001 });
    metrics.registry.addCollector(() => 'process_resident_memory_bytes 1024');
    const app = new Hono().route('/metrics', metricsRoutes({ registry: metrics.registry }));
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE fraud_detection_latency_seconds histogram\n');
    expect(text).toContain('predictions_total{risk_level="MEDIUM",blocked="true"} 1\n');
    expect(text).toContain('model_info{version="1.0.0"} 1\n');
    expect(text).toContain('process_uptime_seconds 5\n');
    expect(text.endsWith('process_resident_memory_bytes 1024\n')).toBe(true);
  });
});
