import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './embedded-redis.js';

/** The path of a Postgres program (initdb, pg_ctl, pg_dump, pg_restore, pg_basebackup), newest version first. */
export function pgBin(name: string): string {
  for (const dir of ['/usr/lib/postgresql']) {
    if (!existsSync(dir)) continue;
    const versions = readdirSync(dir).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(dir, v, 'bin', name))) return join(dir, v, 'bin', name);
  }
  const w = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (w.status === 0) return w.stdout.trim();
  throw new Error(`${name} not found: install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL`);
}

export interface ThrowawayCluster {
  url: string;
  /** Stops the server (fast shutdown: sessions are terminated), keeping its data: an outage. */
  pause(): void;
  /** Starts it again on the same port after {@link pause}. */
  resume(): void;
  stop(): void;
  /**
   * A streaming replica of this cluster (pg_basebackup -R from it, started as a hot standby on a port of its own):
   * read-only, following every commit a moment later.
   */
  replica(): Promise<ThrowawayCluster>;
}

/** A temp dir the server's user owns, and how to run a Postgres program as that user. */
function serverDir(): { dir: string; run: (bin: string, args: string[]) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'msix-pg-'));
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()) : undefined;
  if (asRoot) {
    if (!uid || Number.isNaN(uid))
      throw new Error('running as root needs a postgres system user (apt-get install postgresql creates it)');
    chownSync(dir, uid, uid);
  }
  const run = (bin: string, args: string[]) => {
    const cmd = asRoot ? ['runuser', '-u', 'postgres', '--', bin, ...args] : [bin, ...args];
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  return { dir, run };
}

/** Starts the server of `data` on a free loopback port, fsync off; the handle stops it and removes `dir`. */
async function serve(dir: string, data: string, run: (bin: string, args: string[]) => void): Promise<ThrowawayCluster> {
  const port = await freePort();
  const opts =
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c ` +
    `full_page_writes=off -c max_connections=200`;
  const start = () => run(pgBin('pg_ctl'), ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause: () => run(pgBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    resume: start,
    stop: () => {
      try {
        run(pgBin('pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
    replica: async () => {
      const r = serverDir();
      const replicaData = join(r.dir, 'data');
      // -R writes primary_conninfo and standby.signal: the copy starts as a hot standby streaming from here.
      r.run(pgBin('pg_basebackup'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-D',
        replicaData,
        '-R',
        '-X',
        'stream',
        '--checkpoint=fast',
        '--no-sync',
      ]);
      return serve(r.dir, replicaData, r.run);
    },
  };
}

/**
 * A private Postgres cluster for one test run: initdb into a temp dir, start on
 * a free loopback port, fsync off. Postgres refuses to run as root, so as root
 * it runs as the `postgres` user.
 */
export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const { dir, run } = serverDir();
  const data = join(dir, 'data');
  // --no-sync: the cluster is thrown away, so initdb need not wait for its files to reach the disk (half its time
  // on a busy machine).
  run(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync']);
  return serve(dir, data, run);
}
