/**
 * A TCP receiver for overload tests: it reads at most `bytesPerSecond` (pausing its sockets
 * between bounded slices, so the sender's kernel buffers fill and its writes stall, as with a
 * real slow collector), parses `SENDER SEQ …` lines (test/send/lib.ts SENDER_TEMPLATE) and
 * keeps, per sender, how many arrived and whether they came as 1, 2, 3, … without a gap.
 * `unthrottle()` lets it read at full speed, to let the sender catch up at the end of a test.
 */
import * as net from 'node:net';
import { readFileSync } from 'node:fs';

export interface SenderSeen {
  count: number;
  /** the highest seq seen */
  last: number;
  /** a seq that was not last + 1 (a gap, a duplicate or a reordering) */
  breaks: number;
}

export class SlowReceiver {
  readonly server: net.Server;
  readonly senders = new Map<string, SenderSeen>();
  lines = 0;
  bytes = 0;
  /** called for every parsed line, as it arrives */
  onLine: ((sender: string, seq: number) => void) | undefined;
  private rate: number;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<() => void>();

  private constructor(bytesPerSecond: number) {
    this.rate = bytesPerSecond;
    this.server = net.createServer((s) => this.onSocket(s));
  }

  static async start(bytesPerSecond: number): Promise<SlowReceiver> {
    const r = new SlowReceiver(bytesPerSecond);
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen(0, '127.0.0.1', () => resolve());
    });
    return r;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** how many lines of senders whose id starts with `run-` arrived */
  countOf(run: string): number {
    let n = 0;
    for (const [id, s] of this.senders) if (id.startsWith(`${run}-`)) n += s.count;
    return n;
  }

  /** connections open now */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /** from now on, read at most `bytesPerSecond` per connection */
  throttle(bytesPerSecond: number): void {
    this.rate = bytesPerSecond;
  }

  unthrottle(): void {
    this.rate = Infinity;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.resume();
  }

  /** resolves once `check()` holds (checked after every chunk); rejects after `timeoutMs` */
  until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = (): void => {
        if (!check()) return;
        clearTimeout(t);
        this.waiters.delete(w);
        resolve();
      };
      const t = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(what()));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  private onSocket(s: net.Socket): void {
    this.sockets.add(s);
    queueMicrotask(() => this.wake());
    let started = Date.now();
    let taken = 0;
    let rate = this.rate;
    let tail = '';
    s.setEncoding('latin1');
    s.on('data', (chunk: string) => {
      taken += chunk.length;
      this.bytes += chunk.length;
      const text = tail + chunk;
      const end = text.lastIndexOf('\n');
      tail = text.slice(end + 1);
      if (end >= 0) for (const line of text.slice(0, end).split('\n')) this.note(line);
      this.wake();
      if (this.rate === Infinity) return;
      if (rate !== this.rate) {
        // a new rate counts from now
        rate = this.rate;
        started = Date.now();
        taken = chunk.length;
      }
      // ahead of the allowed rate: stop reading until the rate has caught up with what was taken
      const aheadMs = (taken / this.rate) * 1000 - (Date.now() - started);
      if (aheadMs > 0) {
        s.pause();
        const t = setTimeout(() => {
          this.timers.delete(t);
          s.resume();
        }, aheadMs);
        this.timers.add(t);
      }
    });
    s.on('error', () => {});
    s.on('close', () => this.sockets.delete(s));
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private note(line: string): void {
    const sp = line.indexOf(' ');
    if (sp <= 0) return;
    const id = line.slice(0, sp);
    const seq = Number.parseInt(line.slice(sp + 1), 10);
    if (!Number.isFinite(seq)) return;
    this.lines++;
    const s = this.senders.get(id) ?? { count: 0, last: 0, breaks: 0 };
    if (seq !== s.last + 1) s.breaks++;
    s.count++;
    s.last = Math.max(s.last, seq);
    this.senders.set(id, s);
    this.onLine?.(id, seq);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** VmRSS of process `pid` in MiB (Linux /proc), or undefined once it is gone */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** samples `pid`'s RSS every `everyMs` until stopped; keeps the peak */
export class RssWatch {
  peak = 0;
  samples = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(pid: number, everyMs = 250) {
    this.timer = setInterval(() => {
      const r = rssMiB(pid);
      if (r === undefined) return;
      this.samples++;
      if (r > this.peak) this.peak = r;
    }, everyMs);
  }
  stop(): void {
    clearInterval(this.timer);
  }
}
