import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A started child: the process, what its ready line matched (the first group, or the line), and how to stop it. */
export interface StartedChild {
  child: ChildProcess;
  match: string;
  stop: () => Promise<void>;
}

/**
 * Starts `node --import tsx <args>` in `cwd` with `env` over this process's, and resolves once a line of its stdout
 * matches `ready` (a gateway prints its health URL, a worker "Press Ctrl-C to stop."). Its SIGTERM stop goes on
 * `stops` (bench/support/teardown.ts), so an interrupted bench stops it too. If it exits first, the error quotes its
 * last lines: why it stopped.
 */
export async function startChild(opts: {
  label: string;
  args: string[];
  env: Record<string, string>;
  ready: RegExp;
  cwd: string;
  stops: (() => unknown)[];
}): Promise<StartedChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...opts.args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  opts.stops.push(stop);
  const match = await new Promise<string>((resolve, reject) => {
    let found = false;
    const last: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!found) last.splice(0, Math.max(0, last.length - 9), line);
      const m = found ? null : opts.ready.exec(line);
      if (m) {
        found = true;
        resolve(m[1] ?? line);
      }
    });
    child.once('exit', (code) => {
      if (!found) reject(new Error(`${opts.label} exited with ${code} before it was ready:\n${last.join('\n')}`));
    });
  });
  return { child, match, stop };
}
