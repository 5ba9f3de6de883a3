import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds an embedded data directory, as written in its lock file. `admin` is set by a gateway once it listens:
 * where its admin API answers and the local operator token that opens it (the file is readable by its owner only,
 * as the data directory is), so the CLI can change clients through the running gateway instead of the files.
 */
export interface DirLockHolder {
  pid: number;
  host: string;
  since: string;
  /** What the holder is (`npm start`, `clients`, a test), for the message a second process gets. */
  purpose: string;
  admin?: { url: string; token: string };
}

/**
 * A second process tried to open a data directory a live process holds. PGlite has one connection and no locking of
 * its own: two processes writing one directory corrupt it, and what one writes the other never sees.
 */
export class DataDirBusyError extends Error {
  readonly code = 'GW_ERR_DATA_DIR_BUSY';
  constructor(
    readonly lockFile: string,
    readonly holder: DirLockHolder,
  ) {
    super(
      `The embedded database ${lockFile.replace(/\.lock$/, '')} is in use by process ${holder.pid} ` +
        `(${holder.purpose}, since ${holder.since}). Two processes must never open one PGlite directory. ` +
        'Stop that process first, or let it do the work (npm run clients talks to a running gateway through its ' +
        `admin API), or set DATABASE_URL to a Postgres server. If process ${holder.pid} is not running on ` +
        `${holder.host}, delete ${lockFile}.`,
    );
    this.name = 'DataDirBusyError';
  }
}

/** Whether `pid` names a live process on this machine (EPERM: alive but someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a lock file; null when it is gone or is not a lock this code wrote. */
export function readDirLock(lockFile: string): DirLockHolder | null {
  try {
    const h = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<DirLockHolder>;
    if (typeof h.pid !== 'number' || typeof h.host !== 'string') return null;
    return {
      pid: h.pid,
      host: h.host,
      since: String(h.since ?? ''),
      purpose: String(h.purpose ?? 'unknown'),
      ...(h.admin ? { admin: h.admin } : {}),
    };
  } catch {
    return null;
  }
}

/** The holder of a lock, when it is held by a live process (a lock left by a crashed process on this host is not). */
export function liveHolder(lockFile: string): DirLockHolder | null {
  const h = readDirLock(lockFile);
  if (!h) return null;
  if (h.host === hostname() && !alive(h.pid)) return null;
  return h;
}

/** A held lock on one data directory. */
export interface DirLock {
  readonly file: string;
  /** Publishes the admin API of the process holding the lock (a gateway, once it listens). */
  advertise(admin: { url: string; token: string }): void;
  /** Removes the lock file if it is still this process's. Idempotent. */
  release(): void;
}

/**
 * Takes the lock `<dir>.lock` beside a data directory, or throws {@link DataDirBusyError} naming the live holder.
 * The file is created exclusively (O_EXCL), so of two processes starting at once one wins. A lock left by a process
 * that is gone (same host, pid not running) is taken over: renamed away first, so two processes taking over the same
 * stale lock cannot both win. The lock is released on close and, as a last resort, when the process exits.
 */
export function lockDataDir(dir: string, purpose: string): DirLock {
  const file = `${dir.replace(/\/+$/, '')}.lock`;
  const me: DirLockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), purpose };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(me));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
      const holder = liveHolder(file);
      if (holder) throw new DataDirBusyError(file, holder);
      // Stale (or unreadable): move it aside atomically; whoever loses this race sees ENOENT and tries again.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        continue;
      }
      // Another process may have taken the stale lock over between our check and our rename: put its lock back.
      const moved = liveHolder(aside);
      if (moved) {
        try {
          linkSync(aside, file);
        } finally {
          unlinkSync(aside);
        }
        throw new DataDirBusyError(file, moved);
      }
      unlinkSync(aside);
    }
  }
  let held = true;
  const ours = () => readDirLock(file)?.pid === process.pid;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      if (ours()) unlinkSync(file);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.on('exit', release);
  return {
    file,
    advertise(admin) {
      if (!held || !ours()) return;
      writeFileSync(file, JSON.stringify({ ...me, admin }), { mode: 0o600 });
    },
    release,
  };
}
