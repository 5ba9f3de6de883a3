/**
 * Runs the state simulator on its own, for trying the exchange against a
 * gateway by hand:
 *
 *   npx tsx sim/run.ts --port 4100 --states TX,MI,FL --flaky 0.2 --seed 7
 *
 * It prints, for each state, the endpoint configuration to PUT at
 * /api/v1/states/{state}/exchange-endpoint (webhook, Ed-Fi push, live source).
 * Loopback only.
 */
import { startStateSimulator } from './state-simulator.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const states = arg('states', 'TX,MI,FL,CA,WA')
  .split(',')
  .map((s) => s.trim().toUpperCase())
  .filter(Boolean);
const rate = Number(arg('flaky', '0'));
const seed = Number(arg('seed', '1'));
const sim = await startStateSimulator({
  states: states.map((code) => ({ code })),
  port: Number(arg('port', '0')),
  flaky: rate > 0 ? { timeoutRate: rate / 4, errorRate: rate / 2, dropRate: rate / 4, seed } : null,
});
process.stdout.write(`State simulator at ${sim.url} (${rate > 0 ? `flaky ${rate}, seed ${seed}` : 'reliable'}).\n`);
for (const s of states) {
  process.stdout.write(`\n${s} webhook:\n${JSON.stringify(sim.endpointFor(s, { channel: 'webhook' }))}\n`);
  process.stdout.write(
    `${s} Ed-Fi push + live source:\n${JSON.stringify(sim.endpointFor(s, { channel: 'edfi', liveSource: true }))}\n`,
  );
}
process.stdout.write(
  `\nReceived messages: ${sim.url}/_sim/{state}/received   stats: ${sim.url}/_sim/stats\nPress Ctrl-C to stop.\n`,
);
const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
