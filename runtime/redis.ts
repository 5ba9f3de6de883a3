import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Config } from './config.js';

/**
 * Where Redis is, as configured (docs/operations.md#redis-sentinel-and-cluster): one server (a URL), a master found
 * through Sentinel, or a Redis Cluster. A plain string is a standalone server's URL, as tests and benches pass it.
 */
export type RedisTarget = string | RedisTopology;

export interface RedisTopology {
  mode: 'standalone' | 'sentinel' | 'cluster';
  /** The server (standalone); in the other modes only its user, password and `rediss:` (TLS) are used. */
  url: string;
  /** Sentinels (sentinel) or seed nodes (cluster). */
  nodes: { host: string; port: number }[];
  /** The master's name at the sentinels. */
  sentinelName: string;
  /** Password of the sentinels themselves, when they have one. */
  sentinelPassword: string;
}

/** Options of one connection read from a redis:// or rediss:// URL (host, port, user, password, db, TLS). */
export function redisOptions(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null as null,
  };
}

/** Reads `host:port,host:port` (REDIS_NODES; IPv6 as `[::1]:6379`). */
export function parseRedisNodes(text: string): { host: string; port: number }[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(s);
      if (!m) throw new Error(`invalid configuration: REDIS_NODES entry "${s}" is not host:port`);
      return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
    });
}

/** The configured Redis; `url` is REDIS_URL or, standalone with none set, the embedded server's. */
export function redisTarget(
  config: Pick<Config, 'REDIS_MODE' | 'REDIS_NODES' | 'REDIS_SENTINEL_NAME' | 'REDIS_SENTINEL_PASSWORD'>,
  url: string,
): RedisTarget {
  if (config.REDIS_MODE === 'standalone') return url;
  const nodes = parseRedisNodes(config.REDIS_NODES);
  if (!nodes.length)
    throw new Error(`invalid configuration: REDIS_MODE=${config.REDIS_MODE} needs REDIS_NODES (host:port,…)`);
  return {
    mode: config.REDIS_MODE,
    url: url || 'redis://localhost',
    nodes,
    sentinelName: config.REDIS_SENTINEL_NAME,
    sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
  };
}

const topology = (t: RedisTarget): RedisTopology =>
  typeof t === 'string' ? { mode: 'standalone', url: t, nodes: [], sentinelName: '', sentinelPassword: '' } : t;

/** True when the target is a Redis Cluster (keys one script touches must share a hash slot). */
export const isCluster = (t: RedisTarget): boolean => topology(t).mode === 'cluster';

/**
 * The BullMQ key prefix. In a cluster every key of a queue must hash to one slot (BullMQ's scripts touch several),
 * so the prefix becomes a hash tag: `msix` → `{msix}`, and all queues live on the node owning that slot.
 */
export function queueKeyPrefix(t: RedisTarget, prefix: string): string {
  return isCluster(t) && !/\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
}

/** Connection settings a client of one node takes: what `overrides` asks, plus the URL's user, password and TLS. */
function nodeOptions(t: RedisTopology, overrides: RedisOptions): RedisOptions {
  const { host: _h, port: _p, db, ...auth } = redisOptions(t.url);
  return { ...auth, ...(t.mode === 'cluster' ? {} : db === undefined ? {} : { db }), ...overrides };
}

/** Options of a Redis client for one server, or for the master the sentinels name. */
function serverOptions(t: RedisTopology, overrides: RedisOptions): RedisOptions {
  if (t.mode === 'standalone') return { ...redisOptions(t.url), ...overrides };
  return {
    ...nodeOptions(t, overrides),
    sentinels: t.nodes,
    name: t.sentinelName,
    ...(t.sentinelPassword ? { sentinelPassword: t.sentinelPassword } : {}),
  };
}

/**
 * A new client of the target: a Redis (standalone, or its master found through the sentinels, which it follows
 * over a failover) or a Cluster (which follows slot moves and failovers). `overrides` are per-connection options
 * (timeouts, offline queue, retries).
 */
export function createRedis(target: RedisTarget, overrides: RedisOptions = {}): Redis | Cluster {
  const t = topology(target);
  if (t.mode !== 'cluster') return new Redis(serverOptions(t, overrides));
  const { enableOfflineQueue, lazyConnect, ...perNode } = nodeOptions(t, overrides);
  const options: ClusterOptions = {
    redisOptions: perNode,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
  };
  return new Cluster(t.nodes, options);
}

/**
 * What BullMQ's `connection` takes for the target: plain options for one server or Sentinel (BullMQ opens its
 * connections itself and closes them), a Cluster client for a cluster (BullMQ cannot build one from options; the
 * caller closes it after the queue or worker).
 */
export function bullConnection(
  target: RedisTarget,
  overrides: Pick<RedisOptions, 'maxRetriesPerRequest' | 'enableOfflineQueue'>,
): ConnectionOptions {
  const t = topology(target);
  if (t.mode === 'cluster') return createRedis(t, overrides) as Cluster;
  // BullMQ's own copy of ioredis' options type differs only in retryStrategy, which is never set here.
  return serverOptions(t, overrides) as ConnectionOptions;
}

/** A short description for start-up lines (never a password). */
export function describeRedis(target: RedisTarget): string {
  const t = topology(target);
  const nodes = t.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if (t.mode === 'standalone') return new URL(t.url).host;
  return t.mode === 'sentinel' ? `sentinel ${t.sentinelName} via ${nodes}` : `cluster via ${nodes}`;
}
