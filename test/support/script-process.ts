import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A script of this repository running as its own process, as a user starts it. */
export interface ScriptRun {
  child: ChildProcess;
  /** Its standard output and error so far, interleaved as they arrived. */
  output: () => string;
  /** Its exit code (-1 when killed by a signal). */
  exit: Promise<number>;
}

/**
 * Runs `script` (a path from the repository root) with tsx in a real process, gathering its output; the child is
 * pushed on `children` so the test's afterAll can kill what is still running.
 */
export function runScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  children: ChildProcess[],
): ScriptRun {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number>((ok) => child.once('exit', (c) => ok(c ?? -1)));
  return { child, output: () => out, exit };
}
