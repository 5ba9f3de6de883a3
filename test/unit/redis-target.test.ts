import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { describeRedis, parseRedisNodes, queueKeyPrefix, redisTarget } from '../../runtime/redis.js';

describe('Redis topology from the configuration', () => {
  it('is the URL when standalone, and a topology with hash-tagged queue keys in a cluster', () => {
    expect(redisTarget(loadConfig({}), 'redis://r:6379')).toBe('redis://r:6379');
    expect(queueKeyPrefix('redis://r:6379', 'msix')).toBe('msix');
    const cluster = redisTarget(
      loadConfig({ REDIS_MODE: 'cluster', REDIS_NODES: 'a:7000, b:7001,[::1]:7002' }),
      'rediss://u:p%40ss@x',
    );
    expect(cluster).toMatchObject({
      mode: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
    expect(queueKeyPrefix(cluster, 'msix')).toBe('{msix}');
    expect(queueKeyPrefix(cluster, '{msix}')).toBe('{msix}');
    expect(describeRedis(cluster)).toBe('cluster via a:7000,b:7001,::1:7002');
    const sentinel = redisTarget(loadConfig({ REDIS_MODE: 'sentinel', REDIS_NODES: 's1:26379' }), '');
    expect(sentinel).toMatchObject({ mode: 'sentinel', sentinelName: 'mymaster' });
    expect(queueKeyPrefix(sentinel, 'msix')).toBe('msix');
  });

  it('refuses a mode without nodes, a node without a port and an unknown mode, naming the setting', () => {
    expect(() => redisTarget(loadConfig({ REDIS_MODE: 'cluster' }), '')).toThrow(/REDIS_NODES/);
    expect(() => parseRedisNodes('a:7000,b')).toThrow(/REDIS_NODES entry "b" is not host:port/);
    expect(() => loadConfig({ REDIS_MODE: 'replicated' })).toThrow(/REDIS_MODE/);
  });
});
