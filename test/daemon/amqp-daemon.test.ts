/**
 * The daemon with an amqp() destination: lines sent to a TCP source reach
 * a RabbitMQ queue, each once and in order, through the real config, worker
 * and pipeline (not the driver alone). About 20 s here, mostly the broker's start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { RabbitNode, rabbitmqMissing, rabbitmqSkip } from '../helpers/rabbitmq.ts';
import { bindQueue, consume, SeqTally } from '../helpers/amqp-dest.ts';
import { skipUnlessLogferry, startLogferry } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';

const N = 10_000;

test('daemon: a TCP source into amqp(), every line once and in order', { skip: rabbitmqSkip() || skipUnlessLogferry(), timeout: 90_000 }, async (t) => {
  const missing = rabbitmqMissing();
  assert.equal(missing, undefined, missing);
  const node = await RabbitNode.create();
  t.after(() => node.close());
  await node.start();
  await bindQueue(node.url, 'logs', 'q');
  const port = await freePort();
  const d = await startLogferry({
    name: 'amqp-daemon',
    config: `@version: 4.27
source s { network(ip("127.0.0.1") port(${port}) transport(tcp) flags(no-parse)); };
destination d { amqp(host("127.0.0.1") port(${node.port}) username("guest") password("guest") exchange("logs") body("\${MSG}") time-reopen(1)); };
log { source(s); destination(d); flags(flow-control); };
`,
    readyPorts: [port],
  });
  t.after(() => d.stop(5000));
  const tally = new SeqTally(N);
  const stop = await consume(node.url, 'q', tally);
  t.after(stop);
  const lines: string[] = [];
  for (let i = 0; i < N; i++) lines.push(`${i}\n`);
  await new Promise<void>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.end(lines.join(''), () => resolve()));
    s.on('error', reject);
  });
  await tally.until(() => tally.count >= N, 60_000, `${N} lines in the queue`);
  assert.equal(tally.distinct, N, `missing: ${tally.missing().join(',')}; daemon stderr: ${d.stderr().slice(-2000)}`);
  assert.equal(tally.duplicates, 0);
  assert.equal(tally.outOfOrder, 0);
});
