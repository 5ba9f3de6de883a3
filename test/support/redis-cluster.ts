import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRedisServer, freePort } from '../../runtime/embedded-redis.js';

export interface LocalRedisCluster {
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Sends one command to a node over a short-lived connection (spawning redis-cli costs 0.1 s on a busy machine). */
async function command(port: number, args: string[]): Promise<string> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    return String(await r.call(args[0]!, ...args.slice(1)));
  } finally {
    r.disconnect();
  }
}

/** Polls until `ok` holds, or fails with `what` after ten seconds. */
async function until(ok: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A three-master Redis Cluster on loopback (no replicas, no persistence), files in a temp dir: three redis-server
 * processes with cluster-enabled, each given a third of the 16384 slots (CLUSTER ADDSLOTSRANGE), then joined (CLUSTER
 * MEET): what `redis-cli --cluster create` does, without its one-second waits.
 */
export async function startLocalRedisCluster(): Promise<LocalRedisCluster> {
  const bin = ensureRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'msix-redis-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const stop = () => stopAll(children, dir);
  try {
    for (const port of ports) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--loglevel', 'warning');
      children.push(spawn(bin, args, { stdio: 'ignore' }));
    }
    for (const port of ports)
      await until(async () => (await command(port, ['ping'])) === 'PONG', `redis-server on ${port} did not answer`);
    const per = Math.ceil(16384 / ports.length);
    for (const [i, p] of ports.entries())
      await command(p, ['cluster', 'addslotsrange', String(i * per), String(Math.min(16383, (i + 1) * per - 1))]);
    for (const p of ports.slice(1)) await command(ports[0]!, ['cluster', 'meet', '127.0.0.1', String(p)]);
    for (const p of ports)
      await until(
        async () => (await command(p, ['cluster', 'info'])).includes('cluster_state:ok'),
        'the local Redis Cluster did not reach cluster_state:ok',
      );
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
}

/** Kills the servers and removes their files. */
async function stopAll(children: ChildProcess[], dir: string): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((ok) => {
          if (c.exitCode !== null || c.signalCode !== null) return ok();
          c.once('exit', () => ok());
          c.kill('SIGKILL');
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
}

export interface LocalSentinel {
  /** The sentinel (one, quorum 1) and the name of the master it watches. */
  sentinels: { host: string; port: number }[];
  masterName: string;
  stop(): Promise<void>;
}

/** One redis-server and one sentinel watching it on loopback (`redis-server sentinel.conf --sentinel`). */
export async function startLocalSentinel(masterName = 'msixtest'): Promise<LocalSentinel> {
  const bin = ensureRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'msix-sentinel-'));
  const [master, sentinel] = [await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const stop = () => stopAll(children, dir);
  try {
    children.push(
      spawn(bin, ['--port', String(master), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      }),
    );
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      `port ${sentinel}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor ${masterName} 127.0.0.1 ${master} 1\n` +
        `sentinel down-after-milliseconds ${masterName} 2000\n`,
    );
    children.push(spawn(bin, [conf, '--sentinel'], { stdio: 'ignore' }));
    await until(
      async () =>
        (await command(sentinel, ['sentinel', 'get-master-addr-by-name', masterName])).includes(String(master)),
      'the local sentinel did not name its master',
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { sentinels: [{ host: '127.0.0.1', port: sentinel }], masterName, stop };
}
