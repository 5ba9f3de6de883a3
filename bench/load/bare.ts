/**
 * The load bench's baseline: a bare fastify with one trivial route, in its own process like the gateway, so each
 * figure of the gateway stands beside what this machine, Node and fastify answer with no work at all, under the
 * same autocannon settings in the same run. Prints one JSON line `{ port }`, then serves until killed.
 *
 *   node --import tsx bench/load/bare.ts
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/bare', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as { port: number }).port })}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
