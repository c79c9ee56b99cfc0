/**
 * A plain TCP receiver that records every byte a daemon's network()/syslog() destination sends,
 * per connection, for on-the-wire comparisons.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { once } from 'node:events';

export class WireReceiver {
  readonly server: Server;
  port = 0;
  private readonly conns: Buffer[][] = [];
  private readonly sockets = new Set<Socket>();
  private waiters: Array<() => void> = [];

  constructor() {
    this.server = createServer((sock) => {
      const chunks: Buffer[] = [];
      this.conns.push(chunks);
      this.sockets.add(sock);
      sock.on('data', (d: Buffer) => {
        chunks.push(d);
        for (const w of this.waiters) w();
      });
      sock.on('error', () => {});
      sock.on('close', () => this.sockets.delete(sock));
    });
  }

  async listen(): Promise<number> {
    this.server.listen({ host: '127.0.0.1', port: 0 });
    await once(this.server, 'listening');
    const a = this.server.address();
    this.port = typeof a === 'object' && a !== null ? a.port : 0;
    return this.port;
  }

  /** Number of connections accepted so far. */
  get connections(): number {
    return this.conns.length;
  }

  /** Everything received, connections concatenated in accept order. */
  data(): Buffer {
    return Buffer.concat(this.conns.flat());
  }

  /** Resolves when the received bytes end with `suffix` (latin1); fails after `timeoutMs`. */
  waitForSuffix(suffix: string, timeoutMs: number): Promise<Buffer> {
    const pat = Buffer.from(suffix, 'latin1');
    return new Promise((res, rej) => {
      const check = (): void => {
        const d = this.data();
        if (d.length >= pat.length && d.subarray(d.length - pat.length).equals(pat)) {
          done();
          res(d);
        }
      };
      const timer = setTimeout(() => {
        done();
        const d = this.data();
        rej(new Error(`wire receiver :${this.port}: ${JSON.stringify(suffix)} not received within ${timeoutMs} ms ` +
          `(${d.length} bytes on ${this.conns.length} connection(s); tail ${JSON.stringify(d.subarray(-200).toString('latin1'))})`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server.listening) await new Promise<void>((r) => this.server.close(() => r()));
  }
}
