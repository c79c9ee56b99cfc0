/**
 * For amqp() tests: a destination built from config text (the real schema
 * and settings path), a queue bound to its exchange, and a reader that
 * counts what arrived by the sequence number in the body.
 */
import amqp from 'amqplib';
import { parseConfigText } from '../../src/config/index.ts';
import { createDestinationDrivers } from '../../src/destinations/index.ts';
import type { DestinationDriver } from '../../src/pipeline/types.ts';
import { LogMessage } from '../../src/message/log-message.ts';

export function amqpDriver(body: string, stateDir?: string): DestinationDriver {
  const plan = parseConfigText(`@version: 4.27\ndestination d { amqp(${body}); };\n`, 'amqp-test.conf');
  const decl = plan.destinations.get('d')!;
  const env = {
    hostname: 'test',
    dryRun: false,
    stateDir,
    pid: process.pid,
    tlsEndpoint: () => {
      throw new Error('no TLS here');
    },
  };
  return createDestinationDrivers(decl, env as never)[0];
}

export function seqMsg(i: number): LogMessage {
  const m = new LogMessage({ sec: 1, usec: 0, gmtoff: 0 });
  m.set('MSG', String(i));
  return m;
}

/** a durable exchange with a durable queue bound to it */
export async function bindQueue(url: string, exchange: string, queue: string): Promise<void> {
  const c = await amqp.connect(url);
  try {
    const ch = await c.createChannel();
    await ch.assertExchange(exchange, 'fanout', { durable: true });
    await ch.assertQueue(queue, { durable: true });
    await ch.bindQueue(queue, exchange, '');
  } finally {
    await c.close();
  }
}

/** Tallies message bodies (decimal sequence numbers) as they are consumed. */
export class SeqTally {
  count = 0;
  duplicates = 0;
  outOfOrder = 0;
  private readonly seen: Uint8Array;
  private last = -1;
  private waiters: Array<() => void> = [];

  constructor(max: number) {
    this.seen = new Uint8Array(max);
  }

  add(n: number): void {
    this.count++;
    if (this.seen[n]) this.duplicates++;
    else this.seen[n] = 1;
    // a gap: a message skipped (lost, or arriving later = out of order); a resend going back is a duplicate
    if (n > this.last + 1) this.outOfOrder++;
    this.last = n;
    if (this.waiters.length) for (const w of this.waiters.splice(0)) w();
  }

  get distinct(): number {
    let k = 0;
    for (const b of this.seen) k += b;
    return k;
  }

  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.seen.length && out.length < 10; i++) if (!this.seen[i]) out.push(i);
    return out;
  }

  /** resolves once `ok()` holds, rechecked on each message; bounded by timeoutMs */
  async until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!ok()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`${what} did not happen within ${timeoutMs} ms: ${this.count} consumed, ${this.distinct} distinct`);
      let t: NodeJS.Timeout | undefined;
      await new Promise<void>((r) => {
        this.waiters.push(r);
        t = setTimeout(r, Math.min(left, 500));
      });
      clearTimeout(t);
    }
  }
}

/** consumes `queue` into the tally; returns a stopper */
export async function consume(url: string, queue: string, tally: SeqTally): Promise<() => Promise<void>> {
  const c = await amqp.connect(url);
  c.on('error', () => {});
  const ch = await c.createChannel();
  await ch.prefetch(5000);
  await ch.consume(queue, (m) => {
    if (!m) return;
    tally.add(Number(m.content.toString('utf8')));
    ch.ack(m);
  });
  return async () => {
    await c.close().catch(() => {});
  };
}

/** reads every message in `queue` now (basic.get until empty) into the tally; bounded by `max` */
export async function drainQueue(url: string, queue: string, tally: SeqTally, max: number): Promise<void> {
  const c = await amqp.connect(url);
  try {
    const ch = await c.createChannel();
    const { messageCount } = await ch.checkQueue(queue);
    if (messageCount > max) throw new Error(`queue holds ${messageCount} messages, more than the ${max} expected`);
    const target = tally.count + messageCount;
    const stop = await consume(url, queue, tally);
    try {
      await tally.until(() => tally.count >= target, 60_000, `reading ${messageCount} queued messages`);
    } finally {
      await stop();
    }
  } finally {
    await c.close().catch(() => {});
  }
}
