/**
 * One owner per buffer directory: two writers would interleave records and
 * cursors. A `lock` file holds the owner's PID, created with O_EXCL. One
 * left by a process that died (kill -9) is taken over: its PID no longer
 * runs. A PID reused by an unrelated process makes a stale lock look held;
 * the error says which PID and file, so a human can remove it.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'lock';

/** directories this process holds (its own PID in the file cannot tell two opens apart) */
const held = new Set<string>();

export class LockError extends Error {}

export async function lockDir(dir: string): Promise<() => Promise<void>> {
  const key = resolve(dir);
  if (held.has(key)) throw new LockError(`disk-buffer directory ${dir} is already open in this process; give each destination its own dir().`);
  const path = join(dir, LOCK_FILE);
  // two turns: the second after removing a stale lock
  for (let turn = 0; turn < 2; turn++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      held.add(key);
      return async () => {
        held.delete(key);
        await unlink(path).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new LockError(`disk-buffer directory ${dir} is in use by process ${pid}; stop it, or remove ${path} if that process is not logferry.`);
    }
    await unlink(path).catch(() => {});
  }
  throw new LockError(`disk-buffer directory ${dir} could not be locked: ${path} keeps reappearing; is another logferry starting?`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
