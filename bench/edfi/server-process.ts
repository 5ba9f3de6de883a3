/**
 * Starts the bench's server process (server.ts, or the script BENCH_SERVER names) on the bench's database and
 * Redis, stopped first among the bench's `stops`, and answers the JSON line it prints once it serves: the ports and
 * a state-system token. Shared by the throughput bench (run.ts) and the Grand Bend load (grand-bend.ts).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchInfra } from '../support/infra.js';

export interface ServerLine {
  gatewayPort: number;
  barePort: number;
  token: string;
  /** The server process, to read its CPU time (bench/support/cpu.ts). */
  pid: number;
}

export async function startBenchServer(
  infra: Pick<BenchInfra, 'databaseUrl' | 'redisUrl' | 'stops'>,
  opts: { nodeArgs?: readonly string[]; script?: string } = {},
): Promise<ServerLine> {
  const script = opts.script ?? join(fileURLToPath(new URL('.', import.meta.url)), 'server.ts');
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', script, infra.databaseUrl, infra.redisUrl],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  infra.stops.unshift(
    () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  );
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { ...(JSON.parse(first) as Omit<ServerLine, 'pid'>), pid: child.pid! };
}
