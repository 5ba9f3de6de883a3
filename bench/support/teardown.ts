/**
 * Teardown for a bench that starts servers, a cluster and Redis: steps run newest first, each bounded (interrupted
 * mid-work, a pool or a worker may never finish closing, and the cluster and Redis after them must stop all the
 * same); SIGINT and SIGTERM run them too and exit 130.
 */
export function teardownOnExit(): { stops: (() => unknown)[]; cleanup: () => Promise<void> } {
  const stops: (() => unknown)[] = [];
  const cleanup = async () => {
    for (const s of stops.reverse())
      await Promise.race([Promise.resolve().then(s), new Promise((r) => setTimeout(r, 10_000).unref())]);
    stops.length = 0;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  return { stops, cleanup };
}
