/**
 * Scale-out bench (docs/scale-out.md): SENDERS plain-TCP connections send octet-counted RFC 5424
 * messages, each carrying a sequence number, through a round-robin L4 balancer that writes a
 * PROXY v2 header (bench/lib/proxy-balancer.ts) to 1, then 2 logferry receivers
 * (`transport(proxied-tcp)`), which publish with amqp() (publisher confirms, memory queue,
 * flow control) into one private RabbitMQ node where the bench declared a QUORUM queue bound to
 * the exchange. The bench consumes the queue and counts each sequence number: delivered,
 * lost, duplicates, and messages whose ${SOURCEIP} is not the sender's address (the senders bind
 * 127.0.0.2, the balancer connects from 127.0.0.1, so a wrong address is visible).
 *
 *   npm run bench:scale-out            SCALE_MSGS=200000 SCALE_SENDERS=8 SCALE_RECEIVERS=1,2
 *
 * Everything is bounded: each run by SCALE_TIMEOUT_S (default 180 s); every process is stopped by PID.
 */
import * as net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import { freePort } from '../test/helpers/ports.ts';
import { startLogferry } from '../test/helpers/daemon.ts';
import type { DaemonHandle } from '../test/helpers/peers.ts';
import { RabbitNode, rabbitmqMissing } from '../test/helpers/rabbitmq.ts';
import { SeqTally } from '../test/helpers/amqp-dest.ts';
import { cpuSeconds } from './lib/measure.ts';
import { startBalancer } from './lib/proxy-balancer.ts';

const N = Number(process.env.SCALE_MSGS ?? 200_000);
const SENDERS = Number(process.env.SCALE_SENDERS ?? 8);
const RECEIVERS = (process.env.SCALE_RECEIVERS ?? '1,2').split(',').map(Number);
const TIMEOUT_MS = Number(process.env.SCALE_TIMEOUT_S ?? 180) * 1000;
/** SCALE_DISKBUF=1: the amqp() destination gets disk-buffer(reliable(yes)) (in the daemon's work dir) */
const DISKBUF = process.env.SCALE_DISKBUF === '1';
const CLIENT_IP = '127.0.0.2';
const EXCHANGE = 'scale';
const QUEUE = 'scale-q';

function receiverConfig(port: number, broker: RabbitNode): string {
  return `@version: 4.27
options { use-dns(no); log-fifo-size(20000); };
source s { syslog(ip(127.0.0.1) port(${port}) transport(proxied-tcp) max-connections(64)); };
destination d { amqp(host("${broker.ip}") port(${broker.port}) username("guest") password("guest")
  exchange("${EXCHANGE}") exchange-declare(no) body("\${MSG} \${SOURCEIP}") flush-lines(500)${DISKBUF ? ' disk-buffer(reliable(yes) disk-buf-size(256MiB))' : ''}); };
log { source(s); destination(d); flags(flow-control); };
`;
}

/** one octet-counted RFC 5424 record per sequence number in [from, to) */
function records(from: number, to: number): Buffer {
  const parts: string[] = [];
  for (let i = from; i < to; i++) {
    const m = `<13>1 2026-11-26T12:00:00Z client bench - - - ${i}`;
    parts.push(`${Buffer.byteLength(m)} ${m}`);
  }
  return Buffer.from(parts.join(''));
}

/** sends [from, to) on one connection through the balancer, in chunks, honouring backpressure */
async function sendRange(port: number, from: number, to: number): Promise<void> {
  const s = net.connect({ host: '127.0.0.1', port, localAddress: CLIENT_IP });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  const CHUNK = 2000;
  for (let i = from; i < to; i += CHUNK) {
    if (!s.write(records(i, Math.min(to, i + CHUNK)))) await new Promise((r) => s.once('drain', r));
  }
  await new Promise<void>((resolve) => s.end(resolve));
}

async function declareQuorum(url: string): Promise<void> {
  const c = await amqp.connect(url);
  try {
    const ch = await c.createChannel();
    await ch.assertExchange(EXCHANGE, 'fanout', { durable: true });
    await ch.assertQueue(QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.bindQueue(QUEUE, EXCHANGE, '');
    await ch.purgeQueue(QUEUE);
  } finally {
    await c.close();
  }
}

interface Row {
  receivers: number;
  delivered: number;
  seconds: number;
  lost: number;
  duplicates: number;
  wrongIp: number;
  cpuPct: number[];
  /** the broker's and this process's (senders, balancer, consumer) CPU over the same window */
  brokerPct: number;
  benchPct: number;
  perBackend: number[];
}

/** the broker's PID from the pid file RabbitNode points it at (undefined if it did not write one) */
function brokerPidOf(broker: RabbitNode): number | undefined {
  try {
    return Number(readFileSync(join(broker.dir, 'rabbit.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

async function run(broker: RabbitNode, receivers: number): Promise<Row> {
  await declareQuorum(broker.url);
  const tally = new SeqTally(N);
  let wrongIp = 0;
  const conn = await amqp.connect(broker.url);
  conn.on('error', () => {});
  const ch = await conn.createChannel();
  await ch.prefetch(5000);
  await ch.consume(QUEUE, (m) => {
    if (!m) return;
    const body = m.content.toString('latin1');
    const sp = body.indexOf(' ');
    if (body.slice(sp + 1) !== CLIENT_IP) wrongIp++;
    tally.add(Number(body.slice(0, sp)));
    ch.ack(m);
  });

  const daemons: DaemonHandle[] = [];
  const ports: number[] = [];
  let balancer: Awaited<ReturnType<typeof startBalancer>> | undefined;
  try {
    for (let r = 0; r < receivers; r++) {
      const port = await freePort();
      ports.push(port);
      daemons.push(await startLogferry({ config: receiverConfig(port, broker), readyPorts: [port], readyTimeoutMs: 30_000 }));
    }
    balancer = await startBalancer(ports);
    const cpu0 = await Promise.all(daemons.map((d) => cpuSeconds(d.pid)));
    const brokerPid = brokerPidOf(broker);
    const broker0 = brokerPid ? await cpuSeconds(brokerPid) : 0;
    const bench0 = process.cpuUsage();
    const t0 = performance.now();
    const per = Math.ceil(N / SENDERS);
    const sending = Promise.all(Array.from({ length: SENDERS }, (_, k) => sendRange(balancer!.port, k * per, Math.min(N, (k + 1) * per))));
    let timedOut = false;
    // count - duplicates: the distinct numbers so far, O(1) per check
    await tally.until(() => tally.count - tally.duplicates >= N, TIMEOUT_MS, `delivering ${N} messages`).catch(() => (timedOut = true));
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = await Promise.all(daemons.map((d) => cpuSeconds(d.pid)));
    const brokerSec = brokerPid ? (await cpuSeconds(brokerPid)) - broker0 : NaN;
    const benchUse = process.cpuUsage(bench0);
    await sending.catch(() => {});
    if (timedOut) console.error(`run with ${receivers} receiver(s) timed out after ${TIMEOUT_MS / 1000} s`);
    // stop the receivers (they flush what is left) so late duplicates are counted too
    for (const d of daemons.splice(0)) await d.stop();
    const { messageCount } = await ch.checkQueue(QUEUE);
    const target = tally.count + messageCount;
    if (messageCount > 0) await tally.until(() => tally.count >= target, 30_000, 'reading the rest of the queue').catch(() => {});
    return {
      receivers,
      delivered: tally.distinct,
      seconds,
      lost: N - tally.distinct,
      duplicates: tally.duplicates,
      wrongIp,
      cpuPct: cpu1.map((c, i) => Math.round(((c - cpu0[i]!) / seconds) * 100)),
      brokerPct: Math.round((brokerSec / seconds) * 100),
      benchPct: Math.round(((benchUse.user + benchUse.system) / 1e6 / seconds) * 100),
      perBackend: [...balancer.perBackend],
    };
  } finally {
    await balancer?.close();
    for (const d of daemons) await d.stop();
    await conn.close().catch(() => {});
  }
}

async function main(): Promise<void> {
  const missing = rabbitmqMissing();
  if (missing) {
    console.error(missing);
    process.exit(2);
  }
  const broker = await RabbitNode.create();
  const rows: Row[] = [];
  try {
    await broker.start();
    console.log(`RabbitMQ started in ${broker.startMs} ms; ${N} messages over ${SENDERS} connections per run, ${DISKBUF ? 'disk-buffer(reliable(yes))' : 'memory queue'}`);
    for (const r of RECEIVERS) {
      const row = await run(broker, r);
      rows.push(row);
      console.log(`  ${r} receiver(s): ${row.delivered} delivered in ${row.seconds.toFixed(1)} s`);
    }
  } finally {
    await broker.close();
  }
  console.log('\n| receivers | msg/s into the quorum queue | lost | duplicates | wrong ${SOURCEIP} | receiver CPU (% of a core) | broker CPU | bench CPU (senders, balancer, consumer) | connections per receiver |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.receivers} | ${Math.round(r.delivered / r.seconds)} | ${r.lost} | ${r.duplicates} | ${r.wrongIp} | ${r.cpuPct.join(' + ')} | ${r.brokerPct} | ${r.benchPct} | ${r.perBackend.join(' / ')} |`);
  }
}

await main();
