/**
 * The unprivileged user the service tests drop to: created once with useradd when missing
 * (idempotent: a second call, or another test file, finds it), never removed, so parallel
 * test files do not race on userdel. Needs root, like the tests that use it.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

export const SERVICE_TEST_USER = 'logferry-test';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

function lookup(name: string): TestUser | undefined {
  try {
    const f = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(':');
    return { name, uid: Number(f[2]), gid: Number(f[3]) };
  } catch {
    return undefined;
  }
}

export function ensureTestUser(name = SERVICE_TEST_USER): TestUser {
  const found = lookup(name);
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    // another test file created it between the lookup and useradd (exit 9: already exists)
    if (!lookup(name)) throw err;
  }
  const made = lookup(name);
  if (!made) throw new Error(`useradd did not create ${name}`);
  return made;
}

/** why a root-only test cannot run here, or false */
export function skipUnlessRoot(): string | false {
  return process.getuid?.() === 0 ? false : 'needs root (binds a port below 1024 and changes user): run as root, as CI containers do';
}

function tryBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

const taken = new Set<number>();

/** A free port below 1024 on 127.0.0.1 (only root can bind it): tried from a random start, bounded. */
export async function freePrivilegedPort(): Promise<number> {
  const start = 600 + Math.floor(Math.random() * 380);
  for (let i = 0; i < 400; i++) {
    const port = 600 + ((start - 600 + i) % 420);
    if (taken.has(port)) continue;
    if (await tryBind(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 600 and 1019 on 127.0.0.1');
}
