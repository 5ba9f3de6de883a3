import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registry } from '../../runtime/metrics.js';

/** The Grafana dashboard in deploy/grafana queries only metrics the gateway exports (a renamed metric fails here). */
describe('Grafana dashboard', () => {
  it('names only metrics the registry has', async () => {
    const dash = JSON.parse(readFileSync(new URL('../../deploy/grafana/msix-gateway.json', import.meta.url), 'utf8'));
    const exprs: string[] = dash.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
    const known = new Set(
      (await registry.getMetricsAsJSON()).flatMap((m) =>
        String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
      ),
    );
    const used = new Set(exprs.flatMap((e) => e.match(/\bmsix_[a-z_]+/g) ?? []));
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((n) => !known.has(n))).toEqual([]);
  });
});
