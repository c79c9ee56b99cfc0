/**
 * amqp() over TLS (ca-file(), cert-file(), key-file(), peer-verify()) to a
 * RabbitMQ node that requires a client certificate: messages arrive when the
 * broker's certificate verifies against ca-file(); with another CA nothing
 * is confirmed and the connection attempt fails. About 20 s here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RabbitNode, rabbitmqMissing, rabbitmqSkip } from '../helpers/rabbitmq.ts';
import { amqpDriver, bindQueue, consume, seqMsg, SeqTally } from '../helpers/amqp-dest.ts';
import { makePki, tempDir, type Pki } from '../helpers/peers.ts';
import { join } from 'node:path';
import type { AmqpDestination } from '../../src/destinations/amqp.ts';

let node: RabbitNode;
let pki: Pki;
const tmp = tempDir('lf-amqp-tls-');
before(async () => {
  if (rabbitmqSkip()) return;
  const missing = rabbitmqMissing();
  assert.equal(missing, undefined, missing);
  pki = await makePki(join(tmp.path, 'pki'));
  node = await RabbitNode.create({ tls: { ca: pki.caFile, cert: pki.serverCert, key: pki.serverKey } });
  await node.start();
}, { timeout: 120_000 });
after(async () => {
  await node?.close();
  tmp.remove();
});

const N = 1000;

test('amqp() over TLS with a client certificate: messages arrive, confirmed', { skip: rabbitmqSkip(), timeout: 60_000 }, async (t) => {
  await bindQueue(node.url, 'tlslogs', 'tq');
  const d = amqpDriver(`host("127.0.0.1") port(${node.tlsPort}) username("guest") password("guest") exchange("tlslogs") body("\${MSG}") ca-file("${pki.caFile}") cert-file("${pki.client1Cert}") key-file("${pki.client1Key}") time-reopen(1)`);
  await d.start();
  let acked = 0;
  for (let i = 0; i < N; i++) d.deliver(seqMsg(i), () => acked++);
  const tally = new SeqTally(N);
  const stop = await consume(node.url, 'tq', tally);
  t.after(stop);
  await tally.until(() => tally.count >= N && acked === N, 30_000, 'all consumed');
  await d.stop(2000);
  assert.equal(tally.distinct, N);
  assert.equal(tally.duplicates, 0);
  assert.equal(tally.outOfOrder, 0);
});

test('amqp() over TLS: a broker certificate from another CA is refused, nothing is written', { skip: rabbitmqSkip(), timeout: 60_000 }, async () => {
  const otherCa = join(pki.dir, 'ca2.pem');
  const d = amqpDriver(`host("127.0.0.1") port(${node.tlsPort}) username("guest") password("guest") exchange("tlslogs") ca-file("${otherCa}") cert-file("${pki.client1Cert}") key-file("${pki.client1Key}") time-reopen(1)`) as AmqpDestination;
  await d.start();
  d.deliver(seqMsg(1));
  const end = Date.now() + 20_000;
  while (d.link.failures < 1) {
    assert.ok(Date.now() < end, 'the TLS connection attempt failed within 20 s');
    await new Promise<void>((r) => setTimeout(r, 20));
  }
  assert.equal(d.link.connects, 0);
  assert.equal(d.deliveryCounts!().written, 0);
  await d.stop(100);
});
