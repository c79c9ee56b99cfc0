/**
 * A stand-in for systemd's notification socket: an AF_UNIX SOCK_DGRAM socket (node-unix-socket,
 * the module the daemon sends with) bound at a path, mode 0777 as systemd's /run/systemd/notify is,
 * so a daemon that dropped to another user can still send. Each datagram is kept as its
 * KEY=VALUE lines; waits are for datagrams, never for time alone.
 */
import { chmodSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

interface Dgram {
  bind(path: string): void;
  on(ev: 'data', cb: (buf: Buffer) => void): void;
  close(): void;
}

export class NotifyReceiver {
  readonly path: string;
  readonly messages: string[] = [];
  private readonly sock: Dgram;
  private readonly waiters = new Set<() => void>();

  constructor(path: string) {
    const { DgramSocket } = createRequire(import.meta.url)('node-unix-socket') as { DgramSocket: new () => Dgram };
    this.path = path;
    this.sock = new DgramSocket();
    try {
      this.sock.bind(path);
    } catch (err) {
      this.sock.close();
      throw err;
    }
    chmodSync(path, 0o777);
    this.sock.on('data', (buf) => {
      this.messages.push(buf.toString());
      for (const w of this.waiters) w();
    });
  }

  /** datagrams that hold KEY=VALUE as one of their lines */
  having(kv: string): string[] {
    return this.messages.filter((m) => m.split('\n').includes(kv));
  }

  /** resolves with the messages once `done(messages)` holds; rejects after timeoutMs with what came */
  waitFor(what: string, done: (m: string[]) => boolean, timeoutMs: number): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done(this.messages)) return false;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.messages);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} on the notify socket within ${timeoutMs} ms; got: ${JSON.stringify(this.messages)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.sock.close();
    rmSync(this.path, { force: true });
  }
}
