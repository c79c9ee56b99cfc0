/**
 * amqp() when the broker refuses messages: a queue with x-max-length and
 * x-overflow=reject-publish makes RabbitMQ nack publishes while it is full.
 * Nacked messages must not leave the memory queue or the disk buffer: they
 * are published again (after time-reopen()) until a consumer has made room,
 * so all arrive. Without confirms they would be lost. About 25 s here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { RabbitNode, rabbitmqMissing, rabbitmqSkip } from '../helpers/rabbitmq.ts';
import { amqpDriver, consume, seqMsg, SeqTally } from '../helpers/amqp-dest.ts';
import type { DestinationDriver } from '../../src/pipeline/types.ts';
import type { AmqpDestination } from '../../src/destinations/amqp.ts';
import { setInternalSinks } from '../../src/core/internal-log.ts';

const N = 5000;
const MAX_LEN = 500;

let node: RabbitNode;
before(async () => {
  if (rabbitmqSkip()) return;
  const missing = rabbitmqMissing();
  assert.equal(missing, undefined, missing);
  node = await RabbitNode.create();
  await node.start();
}, { timeout: 90_000 });
after(() => node?.close());

async function smallQueue(exchange: string, queue: string): Promise<void> {
  const c = await amqp.connect(node.url);
  try {
    const ch = await c.createChannel();
    await ch.assertExchange(exchange, 'fanout', { durable: true });
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-max-length': MAX_LEN, 'x-overflow': 'reject-publish' } });
    await ch.bindQueue(queue, exchange, '');
  } finally {
    await c.close();
  }
}

async function run(t: { diagnostic(s: string): void }, d: DestinationDriver, queue: string): Promise<SeqTally> {
  await d.start();
  let acked = 0;
  for (let i = 0; i < N; i++) d.deliver(seqMsg(i), () => acked++);
  const counts = d.deliveryCounts!.bind(d);
  // the queue fills up and further publishes are nacked: wait until it is full (checked every 20 ms, bounded)
  const c = await amqp.connect(node.url);
  try {
    const ch = await c.createChannel();
    const end = Date.now() + 20_000;
    while ((await ch.checkQueue(queue)).messageCount < MAX_LEN) {
      assert.ok(Date.now() < end, 'the queue filled up within 20 s');
      await new Promise<void>((r) => setTimeout(r, 20));
    }
  } finally {
    await c.close();
  }
  assert.ok(counts().written < N, 'the broker refused messages while the queue was full');
  const tally = new SeqTally(N);
  const stop = await consume(node.url, queue, tally);
  try {
    await tally.until(() => tally.distinct >= N, 60_000, `all ${N} messages consumed`);
  } finally {
    await stop();
  }
  await d.stop(5000);
  t.diagnostic(`${tally.count} consumed, ${tally.distinct} distinct, ${tally.duplicates} duplicates; ${acked} acks`);
  return tally;
}

test('amqp(), memory queue: nacked messages stay queued and are published again', { skip: rabbitmqSkip(), timeout: 90_000 }, async (t) => {
  await smallQueue('small', 'sq');
  const d = amqpDriver(`port(${node.port}) username("guest") password("guest") exchange("small") body("\${MSG}") time-reopen(1) log-fifo-size(${N})`);
  const tally = await run(t, d, 'sq');
  assert.equal(tally.distinct, N, `lost: ${tally.missing().join(',')}`);
});

test('amqp() + disk-buffer(): nacked records stay in the buffer and are published again', { skip: rabbitmqSkip(), timeout: 90_000 }, async (t) => {
  await smallQueue('small2', 'sq2');
  const dir = mkdtempSync(join(tmpdir(), 'lf-amqp-nack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = amqpDriver(`port(${node.port}) username("guest") password("guest") exchange("small2") body("\${MSG}") time-reopen(1) disk-buffer(reliable(yes) disk-buf-size(10MiB) dir("${dir}"))`);
  const tally = await run(t, d, 'sq2');
  assert.equal(tally.distinct, N, `lost: ${tally.missing().join(',')}`);
  assert.equal(d.deliveryCounts!().kept, 0);
  assert.ok((d as unknown as { nacks: number }).nacks > 0, 'the broker nacked');
});

test('amqp() to an exchange that does not exist: the log line gives the broker\'s reason, nothing is written', { skip: rabbitmqSkip(), timeout: 30_000 }, async (t) => {
  const events: string[] = [];
  setInternalSinks([(ev) => events.push(`${ev.text} ${JSON.stringify(ev.tags)}`)]);
  t.after(() => setInternalSinks([]));
  const d = amqpDriver(`port(${node.port}) username("guest") password("guest") exchange("no-such-exchange") time-reopen(1)`) as AmqpDestination;
  await d.start();
  d.deliver(seqMsg(1));
  const end = Date.now() + 20_000;
  while (!events.some((e) => /AMQP connection lost/.test(e))) {
    assert.ok(Date.now() < end, 'the channel closed within 20 s');
    await new Promise<void>((r) => setTimeout(r, 20));
  }
  await d.stop(100);
  const line = events.find((e) => /AMQP connection lost/.test(e))!;
  assert.match(line, /NOT_FOUND - no exchange 'no-such-exchange'/);
  assert.equal(d.deliveryCounts!().written, 0);
});
