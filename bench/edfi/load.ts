/**
 * A small closed-loop HTTP load generator: `connections` keep-alive sockets
 * each sending one request after another for `seconds`. Loopback only.
 */
import http from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export async function load(
  port: number,
  connections: number,
  seconds: number,
  next: (n: number) => RequestSpec,
  onResponse?: (n: number, status: number, headers: http.IncomingHttpHeaders) => void,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let counter = 0;
  const end = performance.now() + seconds * 1000;
  const one = (spec: RequestSpec) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: spec.method,
          path: spec.path,
          agent,
          headers: {
            ...(spec.headers ?? {}),
            ...(spec.body ? { 'content-length': Buffer.byteLength(spec.body) } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        },
      );
      req.on('error', reject);
      if (spec.body) req.write(spec.body);
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const n = counter++;
        const t = performance.now();
        try {
          const r = await one(next(n));
          latencies.push(performance.now() - t);
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status >= 400) errors++;
          onResponse?.(n, r.status, r.headers);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    errors,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50: q(0.5),
    p99: q(0.99),
    statuses,
  };
}
