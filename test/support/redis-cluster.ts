import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRedisServer, freePort } from '../../runtime/embedded-redis.js';

export interface LocalRedisCluster {
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Runs redis-cli against one node; its output, or a thrown error with what it printed. */
function cli(port: number, args: string[]): string {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * A three-master Redis Cluster on loopback (no replicas, no persistence), files in a temp dir: three redis-server
 * processes with cluster-enabled, joined and given the 16384 slots by `redis-cli --cluster create`.
 */
export async function startLocalRedisCluster(): Promise<LocalRedisCluster> {
  const bin = ensureRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'msix-redis-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const stop = async () => {
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
  };
  try {
    for (const port of ports) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--loglevel', 'warning');
      children.push(spawn(bin, args, { stdio: 'ignore' }));
    }
    for (const port of ports) {
      const deadline = Date.now() + 10_000;
      while (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG') {
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    cli(ports[0]!, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes']);
    const deadline = Date.now() + 10_000;
    while (!ports.every((p) => cli(p, ['cluster', 'info']).includes('cluster_state:ok'))) {
      if (Date.now() > deadline) throw new Error('the local Redis Cluster did not reach cluster_state:ok');
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
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
  const stop = async () => {
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
  };
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
    const deadline = Date.now() + 10_000;
    const asked = () =>
      spawnSync('redis-cli', ['-p', String(sentinel), 'sentinel', 'get-master-addr-by-name', masterName], {
        encoding: 'utf8',
      }).stdout;
    while (!asked().includes(String(master))) {
      if (Date.now() > deadline) throw new Error('the local sentinel did not name its master');
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { sentinels: [{ host: '127.0.0.1', port: sentinel }], masterName, stop };
}
