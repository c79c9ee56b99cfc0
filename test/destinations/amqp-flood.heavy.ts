/**
 * amqp() into a real RabbitMQ node (test/helpers/rabbitmq.ts): 100 000
 * messages published with confirms arrive in the bound queue exactly once
 * and in order, each with the routing key and body its templates give and
 * headers from value-pairs(). Takes about 25 s here (up to 40 s on a busy
 * machine), a third of it the broker's start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { RabbitNode, rabbitmqMissing, rabbitmqSkip } from '../helpers/rabbitmq.ts';
import { amqpDriver, bindQueue, consume, seqMsg, SeqTally } from '../helpers/amqp-dest.ts';

const N = 100_000;

// one node for the file: a start is most of the time
let node: RabbitNode;
before(async () => {
  if (rabbitmqSkip()) return;
  const missing = rabbitmqMissing();
  assert.equal(missing, undefined, missing);
  node = await RabbitNode.create();
  await node.start();
}, { timeout: 90_000 });
after(() => node?.close());

test('amqp(): 100 000 messages with publisher confirms, exactly once and in order', { skip: rabbitmqSkip(), timeout: 120_000 }, async (t) => {
  t.diagnostic(`broker start: ${node.startMs} ms`);
  await bindQueue(node.url, 'logs', 'q');

  const d = amqpDriver(`host("127.0.0.1") port(${node.port}) username("guest") password("guest") exchange("logs") routing-key("r.\${PROGRAM}") body("\${MSG}") time-reopen(1)`);
  await d.start();
  let acked = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) d.deliver(seqMsg(i), () => acked++);

  const tally = new SeqTally(N);
  const stop = await consume(node.url, 'q', tally);
  t.after(stop);
  await tally.until(() => tally.count >= N && acked === N, 90_000, `${N} messages consumed and confirmed`);
  const ms = performance.now() - t0;
  t.diagnostic(`${N} messages published, confirmed and consumed in ${Math.round(ms)} ms (${Math.round(N / (ms / 1000))}/s)`);
  await d.stop(5000);
  assert.equal(tally.distinct, N, `missing: ${tally.missing().join(',')}`);
  assert.equal(tally.duplicates, 0);
  assert.equal(tally.outOfOrder, 0);
  assert.equal(acked, N, 'every flow-control ack fired after the confirm');
  assert.equal(d.deliveryCounts!().written, N);
});

test('amqp(): routing key and body from templates, headers from value-pairs(), persistent', { skip: rabbitmqSkip(), timeout: 60_000 }, async (t) => {
  const c = await amqp.connect(node.url);
  t.after(() => c.close().catch(() => {}));
  const ch = await c.createChannel();
  await ch.assertExchange('topics', 'topic', { durable: true });
  await ch.assertQueue('app', { durable: true });
  await ch.bindQueue('app', 'topics', 'logs.myapp');
  const d = amqpDriver(`port(${node.port}) username("guest") password("guest") exchange("topics") exchange-declare(yes) exchange-type("topic") routing-key("logs.\${PROGRAM}") body("<\${PROGRAM}> \${MSG}") value-pairs(scope("nv-pairs") exclude("HOST*")) time-reopen(1)`);
  await d.start();
  const m = seqMsg(7);
  m.set('PROGRAM', 'myapp');
  m.set('custom.key', 'v1');
  let acked = false;
  await new Promise<void>((r) => d.deliver(m, () => ((acked = true), r())));
  const got = await ch.get('app', { noAck: true });
  assert.ok(got, 'the message was routed by its templated key');
  assert.equal(got.content.toString(), '<myapp> 7');
  assert.equal(got.fields.routingKey, 'logs.myapp');
  assert.equal(got.properties.deliveryMode, 2);
  assert.equal(got.properties.contentType, 'text/plain');
  assert.equal(got.properties.headers?.['custom.key'], 'v1');
  assert.equal(got.properties.headers?.PROGRAM, 'myapp');
  assert.ok(acked);
  await d.stop(2000);
});
