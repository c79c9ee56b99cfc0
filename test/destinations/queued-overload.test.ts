/**
 * The shared destination write loop under overload: a writer that waits on its peer stops
 * holding the readers (so without flow control the queue drops at log-fifo-size), a busy writer
 * keeps holding them, the queue never grows past twice log-fifo-size, and drops are reported
 * once per interval with their number, the counter growing by the same number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { getCounter } from '../../src/core/stats.ts';
import { IntervalTally } from '../../src/core/interval-tally.ts';
import { LogMessage } from '../../src/message/log-message.ts';
import { Congestion } from '../../src/pipeline/congestion.ts';
import { MemoryQueue, type QueueEntry } from '../../src/pipeline/queue.ts';
import { QueuedDestination, STALL_MS } from '../../src/destinations/queued.ts';

/** a destination whose writes complete when the test says so */
class Manual extends QueuedDestination {
  pending: Array<(err?: Error) => void> = [];
  batches: QueueEntry[][] = [];
  async start(): Promise<void> {}
  protected writeBatch(entries: QueueEntry[], done: (err?: Error) => void): void {
    this.batches.push(entries);
    this.pending.push(done);
  }
  protected async close(): Promise<void> {}
  complete(): void {
    for (const d of this.pending.splice(0)) d();
  }
  get queued(): number {
    return this.queue.length;
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

function capture(): InternalEvent[] {
  const lines: InternalEvent[] = [];
  setInternalSinks([(ev) => lines.push(ev)], {});
  return lines;
}

test('a writer waiting on its peer lets the readers go after STALL_MS; the queue then drops at log-fifo-size', async (t) => {
  const lines = capture();
  t.after(() => setInternalSinks([]));
  const congestion = new Congestion();
  const d = new Manual({ name: 'd_peer', congestion, fifoSize: 100, flushLines: 10, timeReopenMs: 1000, throttle: 0, dropReportMs: 50 });
  const m = new LogMessage();
  for (let i = 0; i < 60; i++) d.deliver(m);
  assert.equal(congestion.active, true, 'behind while its write is young: readers wait (busy, not slow)');
  await turn();
  assert.equal(d.pending.length, 1, 'one write in flight, not completed: the peer does not read');
  let released = false;
  congestion.whenClear(() => (released = true));
  await new Promise((resolve) => setTimeout(resolve, STALL_MS + 100));
  assert.equal(released, true, 'a write stuck on its peer releases the readers');
  assert.equal(congestion.active, false);
  const before = getCounter('dropped_messages_total', { destination: 'd_peer' });
  for (let i = 0; i < 500; i++) d.deliver(m);
  assert.equal(congestion.active, false, 'a slow writer does not hold the readers again');
  assert.equal(d.queued, 100, 'bounded by log-fifo-size');
  // the 60 went out in the stuck write; of the 500 after it, 100 fit
  assert.equal(d.dropped, 400);
  await new Promise((resolve) => setTimeout(resolve, 120));
  const reports = lines.filter((l) => l.text === 'Destination queue full, messages dropped');
  assert.equal(reports.length, 1, 'one line for the interval, not one per drop');
  assert.equal(reports[0].level, 'warning');
  assert.equal(reports[0].tags?.destination, 'd_peer');
  assert.equal(Number(reports[0].tags?.dropped), d.dropped);
  assert.equal(getCounter('dropped_messages_total', { destination: 'd_peer' }) - before, d.dropped, 'the counter grows by the count');
  // the peer reads again: once caught up the writer counts as busy again
  while (d.pending.length > 0) {
    d.complete();
    await turn();
  }
  for (let i = 0; i < 60; i++) d.deliver(m);
  assert.equal(congestion.active, true, 'caught up: behind again means busy again');
  d.complete();
  await d.stop(100);
});

test('while the readers are held the queue keeps what is in flight, up to twice log-fifo-size', () => {
  const q = new MemoryQueue(10);
  const m = new LogMessage();
  let kept = 0;
  for (let i = 0; i < 50; i++) if (q.push(m, undefined, true)) kept++;
  assert.equal(kept, 20);
  assert.equal(q.dropped, 30);
});

test('drops are reported once per interval with the count since the last line; stop reports the rest', async (t) => {
  const lines = capture();
  t.after(() => setInternalSinks([]));
  const d = new Manual({ name: 'd_tally', congestion: undefined, fifoSize: 5, flushLines: 10, timeReopenMs: 1000, throttle: 0, dropReportMs: 60_000 });
  const m = new LogMessage();
  for (let i = 0; i < 12; i++) d.deliver(m);
  assert.equal(d.dropped, 7);
  assert.equal(lines.filter((l) => l.text.startsWith('Destination queue full')).length, 0, 'nothing before the interval ends');
  const stopping = d.stop(10);
  await turn();
  d.complete();
  await stopping;
  const reports = lines.filter((l) => l.text.startsWith('Destination queue full'));
  assert.deepEqual(reports.map((r) => [r.tags?.dropped, r.tags?.dropped_total]), [[7, 7]]);
});

test('IntervalTally: one report per interval while counts come, none while quiet', async () => {
  const got: Array<[number, number]> = [];
  const tally = new IntervalTally(40, (n, total) => got.push([n, total]));
  for (let i = 0; i < 1000; i++) tally.add();
  await new Promise((resolve) => setTimeout(resolve, 60));
  tally.add(5);
  tally.flush();
  tally.flush();
  assert.deepEqual(got, [[1000, 1000], [5, 1005]]);
  assert.equal(tally.total, 1005);
});
