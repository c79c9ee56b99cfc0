/**
 * amqp() with failover(servers()): two independent RabbitMQ nodes on
 * loopback (127.0.0.1 and 127.0.0.2, same port). The node in use is
 * stopped mid-stream; the destination moves to the other one and publishes
 * every message not yet confirmed again, so the two queues together hold
 * all of them (duplicates counted and printed). Memory queue only: the
 * confirms alone keep the messages. About 35 s here, two broker starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RabbitNode, rabbitmqMissing, rabbitmqSkip } from '../helpers/rabbitmq.ts';
import { amqpDriver, bindQueue, drainQueue, seqMsg, SeqTally } from '../helpers/amqp-dest.ts';
import { freePort } from '../helpers/ports.ts';
import type { AmqpDestination } from '../../src/destinations/amqp.ts';

const N = 50_000;

test('amqp() failover(servers()): stopping the broker in use fails over with 0 lost', { skip: rabbitmqSkip(), timeout: 150_000 }, async (t) => {
  const missing = rabbitmqMissing();
  assert.equal(missing, undefined, missing);
  const port = await freePort();
  const a = await RabbitNode.create({ ip: '127.0.0.1', port });
  const b = await RabbitNode.create({ ip: '127.0.0.2', port });
  t.after(() => Promise.all([a.close(), b.close()]));
  await Promise.all([a.start(), b.start()]);
  t.diagnostic(`two broker starts side by side: ${a.startMs} and ${b.startMs} ms`);
  await bindQueue(a.url, 'logs', 'q');
  await bindQueue(b.url, 'logs', 'q');

  const d = amqpDriver(`host("127.0.0.1") failover(servers("127.0.0.2")) port(${port}) username("guest") password("guest") exchange("logs") body("\${MSG}") time-reopen(1) log-fifo-size(${N})`) as AmqpDestination;
  await d.start();
  let acked = 0;
  for (let i = 0; i < N; i++) d.deliver(seqMsg(i), () => acked++);
  const waitFor = async (ok: () => boolean, ms: number, what: string) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms (written ${d.deliveryCounts!().written})`);
      await new Promise<void>((r) => setTimeout(r, 20));
    }
  };
  await waitFor(() => d.deliveryCounts!().written >= N / 5, 60_000, 'a fifth confirmed');
  assert.equal(d.link.current, '127.0.0.1', 'host() is used first');
  // node A's durable queue survives the stop: it is read after starting A again at the end
  await a.stopBroker();
  const atStop = d.deliveryCounts!().written;
  t.diagnostic(`node 127.0.0.1 stopped with ${atStop} of ${N} confirmed`);
  assert.ok(atStop < N, 'the stop came mid-stream');
  await waitFor(() => d.deliveryCounts!().written >= N, 60_000, 'all confirmed after the failover');
  assert.equal(d.link.current, '127.0.0.2', 'failed over to the second server');
  await d.stop(5000);
  assert.equal(acked, N);

  await a.start();
  const tally = new SeqTally(N);
  await drainQueue(a.url, 'q', tally, 2 * N);
  const onA = tally.count;
  await drainQueue(b.url, 'q', tally, 2 * N);
  t.diagnostic(`node A: ${onA}, node B: ${tally.count - onA}; ${tally.distinct} distinct, ${tally.duplicates} duplicates`);
  assert.equal(tally.distinct, N, `lost: ${tally.missing().join(',')}`);
  assert.ok(tally.count - onA > 0, 'node B got the rest');
});
