/**
 * The file of a unix-domain listening socket: before bind, its directory
 * (create-dirs()) and what is already at the path; after bind, its mode and
 * owner (perm(), owner(), group()). A socket file left by a daemon that died
 * is removed, as syslog-ng does; one that still answers is refused, so two
 * daemons never steal each other's /dev/log.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { internalLog } from '../core/internal-log.ts';

export interface SocketFileOptions {
  path: string;
  perm: number;
  /** owner()/group() resolved when the source is built; undefined: leave alone */
  uid: number | undefined;
  gid: number | undefined;
  createDirs: boolean;
  /** the driver, for messages: unix-stream, unix-dgram */
  driver: string;
}

/** why a path cannot be bound, as one sentence with the fix; undefined when it is free (a stale socket was removed) */
export async function prepareSocketPath(o: SocketFileOptions): Promise<string | undefined> {
  const dir = path.dirname(o.path);
  if (!fs.existsSync(dir)) {
    if (!o.createDirs) return `The directory of the ${o.driver}() socket ${o.path} does not exist; create it or set create-dirs(yes)`;
    fs.mkdirSync(dir, { recursive: true });
  }
  let st: fs.Stats;
  try {
    st = fs.lstatSync(o.path);
  } catch {
    return undefined;
  }
  if (!st.isSocket()) return `${o.path} exists and is not a socket; remove it or choose another path for ${o.driver}()`;
  if (await answers(o.path)) return `Another process is listening on the socket ${o.path}; stop it (or choose another path for ${o.driver}()) before starting logferry`;
  fs.unlinkSync(o.path);
  internalLog('verbose', 'Removed a stale socket file left by a process that is gone', { path: o.path });
  return undefined;
}

/**
 * A stream connect tells a live socket from a dead one without sending
 * anything: a dead one refuses (ECONNREFUSED); a live stream socket accepts,
 * a live datagram socket answers EPROTOTYPE (wrong socket type).
 */
function answers(p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(p);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT'));
  });
}

/** perm() exactly (bind's mode is cut by the umask), then owner()/group(); a failed chown is a warning, as in syslog-ng */
export function settleSocketFile(o: SocketFileOptions): void {
  fs.chmodSync(o.path, o.perm);
  if (o.uid === undefined && o.gid === undefined) return;
  try {
    fs.chownSync(o.path, o.uid ?? -1, o.gid ?? -1);
  } catch (err) {
    internalLog('warning', 'Error setting the owner of a socket file', { path: o.path, error: (err as Error).message });
  }
}

/** the socket file goes with the socket (a stop, a reload that drops the source) */
export function removeSocketFile(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    // already gone
  }
}
