/**
 * amqp() with disk-buffer(reliable(yes)): the broker is stopped while
 * 100 000 messages are being published and started again on the same data
 * directory; records leave the disk buffer only on the broker's confirm, so
 * none is lost (duplicates, from publishes the broker took but had not
 * confirmed when it went down, are counted and printed). About 40 s here
 * (55 s on a loaded machine): two broker starts and an orderly stop.
 * LF_AMQP_KILL=1 stops the broker with SIGKILL instead (also 0 lost here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RabbitNode, rabbitmqMissing, rabbitmqSkip } from '../helpers/rabbitmq.ts';
import { amqpDriver, bindQueue, drainQueue, seqMsg, SeqTally } from '../helpers/amqp-dest.ts';
import type { AmqpDiskBufferedDestination } from '../../src/destinations/amqp-disk.ts';

const N = 100_000;

test('amqp() + disk-buffer(reliable(yes)): broker restarted mid-stream, 0 lost', { skip: rabbitmqSkip(), timeout: 150_000 }, async (t) => {
  const missing = rabbitmqMissing();
  assert.equal(missing, undefined, missing);
  const node = await RabbitNode.create();
  const dir = mkdtempSync(join(tmpdir(), 'lf-amqp-db-'));
  t.after(async () => {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await node.start();
  await bindQueue(node.url, 'logs', 'q');
  const d = amqpDriver(
    `port(${node.port}) username("guest") password("guest") exchange("logs") body("\${MSG}") time-reopen(1) disk-buffer(reliable(yes) disk-buf-size(200MiB) mem-buf-size(4MiB) dir("${dir}"))`,
  ) as AmqpDiskBufferedDestination;
  await d.start();
  let acked = 0;
  for (let i = 0; i < N; i++) d.deliver(seqMsg(i), () => acked++);

  // stop the broker once a fifth has been confirmed: the rest waits on disk meanwhile
  const waitFor = async (ok: () => boolean, ms: number, what: string) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms (written ${d.deliveryCounts().written})`);
      await new Promise<void>((r) => setTimeout(r, 20));
    }
  };
  await waitFor(() => d.deliveryCounts().written >= N / 5, 60_000, 'a fifth confirmed');
  const before = d.deliveryCounts().written;
  await node.stopBroker(process.env.LF_AMQP_KILL === '1' ? 'SIGKILL' : 'SIGTERM');
  const atStop = d.deliveryCounts().written;
  t.diagnostic(`broker stopped with ${atStop} of ${N} confirmed (${before} when the stop began)`);
  assert.ok(atStop < N, 'the stop came mid-stream');
  await node.start();
  t.diagnostic(`broker restart: ${node.startMs} ms`);
  await waitFor(() => d.deliveryCounts().written >= N, 60_000, 'all confirmed after the restart');
  await d.stop(5000);
  assert.equal(acked, N, 'reliable(yes): every message acknowledged to its source once on disk');
  assert.equal(d.deliveryCounts().kept, 0, 'the disk buffer is empty');

  const tally = new SeqTally(N);
  await drainQueue(node.url, 'q', tally, 2 * N);
  t.diagnostic(`queue: ${tally.count} messages, ${tally.distinct} distinct, ${tally.duplicates} duplicates (${d.link.connects} connections)`);
  assert.equal(tally.distinct, N, `lost: ${tally.missing().join(',')}`);
  assert.ok(d.link.connects >= 2, 'the destination reconnected');
});
