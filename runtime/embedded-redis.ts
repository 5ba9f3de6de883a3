import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Finds `redis-server`, installing Debian's package when it is missing and we
 * are root with apt; otherwise explains in one line what to install.
 */
export function ensureRedisServer(log: (line: string) => void = console.log): string {
  const found = which('redis-server');
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && which('apt-get')) {
    log('redis-server is not installed: installing Debian package redis-server with apt-get…');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const after = which('redis-server');
    if (r.status === 0 && after) return after;
  }
  throw new Error(
    'redis-server is required: install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew ' +
      'install redis) or set REDIS_URL to a running Redis.',
  );
}

export interface EmbeddedRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a private redis-server on a free loopback port, with its files under `dir`. */
export async function startEmbeddedRedis(
  dir: string,
  opts: { persist?: boolean; log?: (line: string) => void; port?: number } = {},
): Promise<EmbeddedRedis> {
  const bin = ensureRedisServer(opts.log);
  // A given port restarts a Redis where clients expect it (the fault tests' outage).
  const port = opts.port ?? (await freePort());
  const dataDir = resolve(dir);
  mkdirSync(dataDir, { recursive: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dataDir,
    '--save',
    '',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  if (opts.persist) args.push('--appendonly', 'yes');
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  const { Redis } = await import('ioredis');
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${stderr.trim()}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${url}: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  };
}
