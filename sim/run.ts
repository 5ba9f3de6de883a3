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
import { integerOption, numberOption, parseCommandLine } from '../lib/cli.js';

const USAGE =
  'usage: npm run sim [-- --port 4100] [--states TX,MI,FL] [--flaky 0.2] [--seed 7]\n' +
  '  --port N       port on 127.0.0.1 (default: any free one)\n' +
  '  --states LIST  state codes to play, comma-separated (default TX,MI,FL,CA,WA)\n' +
  '  --flaky RATE   share of requests that time out, fail or drop (0 to 1, default 0)\n' +
  '  --seed N       seed of the flaky choices, so a run can be replayed (default 1)';
const { values } = parseCommandLine({
  usage: USAGE,
  options: {
    port: { type: 'string' },
    states: { type: 'string' },
    flaky: { type: 'string' },
    seed: { type: 'string' },
  },
});
const states = (values.states ?? 'TX,MI,FL,CA,WA')
  .split(',')
  .map((s) => s.trim().toUpperCase())
  .filter(Boolean);
const rate = numberOption(values.flaky, 'flaky', 0, USAGE);
const seed = integerOption(values.seed, 'seed', 1, USAGE, 0);
const port = integerOption(values.port, 'port', 0, USAGE, 0);
const sim = await startStateSimulator({
  states: states.map((code) => ({ code })),
  port,
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
