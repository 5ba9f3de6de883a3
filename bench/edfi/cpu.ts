/**
 * CPU time spent by the bench's server process and by the Postgres cluster (the postmaster and its backends), read
 * from /proc (Linux). On a shared machine throughput moves with whatever else runs; the CPU a request costs moves
 * much less, so the bench reports both.
 */
import { readFileSync, readdirSync } from 'node:fs';
import pg from 'pg';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS = 100;

function stat(pid: number): { ppid: number; cpuMs: number } | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { ppid: Number(fields[1]), cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS };
  } catch {
    return null;
  }
}

/** Milliseconds of CPU used so far by the process (user + system). */
export const processCpuMs = (pid: number): number => stat(pid)?.cpuMs ?? 0;

/** The postmaster of the database at `url` (the parent of a backend). */
export async function postmasterOf(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const backend = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    return stat(backend)?.ppid ?? 0;
  } finally {
    await c.end();
  }
}

/** Milliseconds of CPU used so far by the postmaster and its live children (backends, background workers). */
export function clusterCpuMs(postmaster: number): number {
  let ms = processCpuMs(postmaster);
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s?.ppid === postmaster) ms += s.cpuMs;
  }
  return ms;
}
