/**
 * The state simulator in its own process for the bench, so the receiving
 * side does not share the gateway's event loop. Prints one JSON line:
 * `{ url, endpoints: { [state]: { webhook, edfi } } }`.
 *
 *   node --import tsx bench/exchange/sim-child.ts TX,FL,MI
 */
import { startStateSimulator } from '../../sim/state-simulator.js';

const states = (process.argv[2] ?? 'TX,FL,MI').split(',');
const sim = await startStateSimulator({ states: states.map((code) => ({ code })), flaky: null });
const endpoints = Object.fromEntries(
  states.map((s) => [
    s,
    {
      webhook: sim.endpointFor(s, { channel: 'webhook' }),
      edfi: sim.endpointFor(s, { channel: 'edfi', liveSource: true }),
    },
  ]),
);
process.stdout.write(`${JSON.stringify({ url: sim.url, endpoints })}\n`);
const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
