/**
 * Free loopback ports for tests that must hand a port number to another process (syslog-ng,
 * rsyslog, the logferry daemon) before it listens. The kernel picks the port (bind to 0), we
 * close the probe socket and remember the number, so two calls in the same process never return
 * the same port even though nothing is bound to it in between.
 */
import { createServer } from 'node:net';

const reserved = new Set<number>();
/** Bounded: the kernel hands out ephemeral ports round robin, so a repeat is rare. */
const MAX_ATTEMPTS = 50;

function probe(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One free TCP port on `host` (default 127.0.0.1), reserved for the life of this process. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const port = await probe(host);
    if (port > 0 && !reserved.has(port)) {
      reserved.add(port);
      return port;
    }
  }
  throw new Error(`freePort: no unreserved port on ${host} after ${MAX_ATTEMPTS} attempts`);
}

/** `count` distinct free ports. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await freePort(host));
  return out;
}

/** Give a port back, e.g. after the process that used it has exited. */
export function releasePort(port: number): void {
  reserved.delete(port);
}
