/**
 * A logferry receiver speaking logferry-ack/1 to a test-only sender
 * (helpers/ack-client.ts): ALPN selected only when offered (plain TLS
 * clients unaffected), records written once and acked only after the file()
 * wrote them, resends dropped, and exactly once across kill -9 of the
 * receiver mid-stream, counted by sequence number.
 */
import { before, test, type TestContext } from 'node:test';
import * as net from 'node:net';
import { once } from 'node:events';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makePki, skipUnlessPeers, tempDir, waitForLines, type Pki } from '../helpers/peers.ts';
import { startLogferry, type DaemonHandle } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';
import { AckTestSender, connectTls, octetFrame } from '../helpers/ack-client.ts';
import { ACK_PROTOCOL_ALPN, encodeHello, encodeRecords } from '../../src/syslog/framing/ack-protocol.ts';

interface Receiver {
  start(): Promise<DaemonHandle>;
  port: number;
  out: string;
  workdir: string;
}

const skip = skipUnlessPeers('openssl');
let pki: Pki;
before(async () => {
  if (skip) return;
  const dir = tempDir('lf-ack-pki');
  process.on('exit', () => dir.remove());
  pki = await makePki(dir.path);
});

/** a receiver writing ${MSG} lines to `out`; `extra` adds destinations (named d2…) to the same log path */
async function receiver(t: TestContext, name: string, extra?: { decls: string; refs: string }): Promise<Receiver> {
  const dir = tempDir(name);
  t.after(() => dir.remove());
  const port = await freePort();
  const out = path.join(dir.path, 'out.log');
  const workdir = path.join(dir.path, 'rx');
  fs.mkdirSync(workdir);
  const config = `@version: 4.27
options { use-dns(no); time-reopen(1); };
source s { syslog(ip(127.0.0.1) port(${port}) transport(tls) tls(key-file("${pki.serverKey}") cert-file("${pki.serverCert}") peer-verify(optional-untrusted))); };
destination d { file("${out}" template("\${MSG}\\n")); };
${extra?.decls ?? ''}
log { source(s); destination(d); ${extra?.refs ?? ''} };
`;
  let current: DaemonHandle | undefined;
  t.after(() => current?.stop());
  return {
    port,
    out,
    workdir,
    async start() {
      current = await startLogferry({ config, readyPorts: [port], workdir });
      return current;
    },
  };
}

function frame(seq: number): Buffer {
  return octetFrame(`<13>1 - h app - - - m${seq}`);
}

/** each seq's count in the output, and the seqs that are not exactly once */
function tally(out: string, n: number): { lost: number[]; dup: number[]; other: string[] } {
  const counts = new Array<number>(n).fill(0);
  const other: string[] = [];
  const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^m(\d+)$/.exec(line);
    if (m && Number(m[1]) < n) counts[Number(m[1])]++;
    else other.push(line);
  }
  const lost: number[] = [];
  const dup: number[] = [];
  counts.forEach((c, i) => (c === 0 ? lost.push(i) : c > 1 ? dup.push(i) : undefined));
  return { lost, dup, other };
}

test('ALPN: selected when offered; a client offering nothing or another protocol gets plain RFC 5425', { timeout: 60_000, skip }, async (t) => {
  const rx = await receiver(t, 'lf-ack-alpn');
  await rx.start();
  const ack = await connectTls(rx.port, [ACK_PROTOCOL_ALPN]);
  assert.equal(ack.alpn, ACK_PROTOCOL_ALPN);
  ack.socket.destroy();
  const none = await connectTls(rx.port, undefined);
  assert.equal(none.alpn, false);
  none.socket.write(frame(0));
  const other = await connectTls(rx.port, ['h2']);
  assert.equal(other.alpn, false, 'not refused: answered without ALPN');
  other.socket.write(frame(1));
  const lines = await waitForLines(rx.out, 2, 15_000);
  assert.deepEqual(lines.sort(), ['m0', 'm1']);
  none.socket.end();
  other.socket.end();
});

test('a record gives the same message a plain connection gives', { timeout: 60_000, skip }, async (t) => {
  const all = path.join(tempDir('lf-ack-same').path, 'all.log');
  const rx = await receiver(t, 'lf-ack-same', {
    decls: `destination d2 { file("${all}" template("\${ISODATE} \${HOST} \${PROGRAM} \${PID} \${MSGID} \${SDATA} \${FACILITY}.\${LEVEL} \${SOURCEIP} \${TRANSPORT} \${MSG}\\n")); };`,
    refs: 'destination(d2);',
  });
  t.after(() => fs.rmSync(path.dirname(all), { recursive: true, force: true }));
  await rx.start();
  const msg = '<165>1 2024-01-02T03:04:05.678Z myhost myapp 4242 ID7 [ex@32473 k="v"] same message';
  const plain = await connectTls(rx.port, undefined);
  plain.socket.write(octetFrame(msg));
  await waitForLines(all, 1, 10_000);
  const ack = await connectTls(rx.port, [ACK_PROTOCOL_ALPN]);
  ack.socket.write(Buffer.concat([encodeHello('s1', 7), encodeRecords([{ seq: 7, payload: octetFrame(msg) }])]));
  const lines = await waitForLines(all, 2, 10_000);
  assert.equal(lines[1], lines[0]);
  // (keep-hostname(no): HOST is the sender's address, as syslog-ng does)
  assert.match(lines[0], /^2024-01-02T03:04:05\+00:00 127\.0\.0\.1 myapp 4242 ID7 \[ex@32473 k="v"\] local4\.notice 127\.0\.0\.1 rfc5425 same message$/);
  plain.socket.end();
  ack.socket.destroy();
});

test('records are written once and acked after the write; a resend of all of them writes nothing', { timeout: 60_000, skip }, async (t) => {
  const rx = await receiver(t, 'lf-ack-basic');
  const d = await rx.start();
  const N = 3000;
  const tx = new AckTestSender(rx.port);
  t.after(() => tx.close());
  for (let i = 0; i < N; i++) tx.add(i, frame(i));
  await tx.deliverAll(Date.now() + 30_000);
  assert.equal(tx.acked, N - 1);
  // acked means written: the file holds every record now
  assert.deepEqual(tally(rx.out, N), { lost: [], dup: [], other: [] });
  // a sender that lost its acks sends everything again: all duplicates, acked at once
  for (let i = 0; i < N; i++) tx.add(i, frame(i));
  tx.acked = -1;
  await tx.deliverAll(Date.now() + 30_000);
  assert.equal(tx.acked, N - 1);
  assert.deepEqual(tally(rx.out, N), { lost: [], dup: [], other: [] });
  // a malformed stream: one line naming the peer, the connection closed, the daemon goes on
  const bad = await connectTls(rx.port, [ACK_PROTOCOL_ALPN]);
  bad.socket.write(Buffer.concat([encodeHello('x', 0), Buffer.from('<13>plain bytes')]));
  await new Promise((r) => bad.socket.once('close', r));
  await d.process.waitForStderr(/Malformed logferry-ack\/1 stream, closing the connection.*peer='127\.0\.0\.1:\d+'.*unknown frame type 0x3c/, 5000);
  const ok = await connectTls(rx.port, [ACK_PROTOCOL_ALPN]);
  ok.socket.write(Buffer.concat([encodeHello('y', 0), encodeRecords([{ seq: 0, payload: frame(N) }])]));
  await waitForLines(rx.out, N + 1, 10_000);
  ok.socket.destroy();
});

test('kill -9 of the receiver three times mid-stream: 0 lost, 0 duplicates', { timeout: 120_000, skip }, async (t) => {
  const rx = await receiver(t, 'lf-ack-kill');
  let d = await rx.start();
  const N = 30_000;
  const tx = new AckTestSender(rx.port);
  t.after(() => tx.close());
  for (let i = 0; i < N; i++) tx.add(i, frame(i));
  const killAt = [Math.floor(N * 0.2), Math.floor(N * 0.45), Math.floor(N * 0.7)];
  let kills = 0;
  let restarting: Promise<void> | undefined;
  const deadline = Date.now() + 90_000;
  const delivery = tx.deliverAll(deadline);
  // kill while records flow: as soon as the acks pass each mark
  while (kills < killAt.length) {
    if (Date.now() > deadline) throw new Error(`acks stopped at ${tx.acked}`);
    await tx.nextAck(500);
    if (tx.acked < killAt[kills]) continue;
    process.kill(d.pid, 'SIGKILL');
    await d.process.exited;
    kills++;
    restarting = rx.start().then((nd) => {
      d = nd;
    });
    await restarting;
  }
  await delivery;
  assert.equal(tx.acked, N - 1);
  assert.ok(tx.connections >= 4, `reconnected after each kill (${tx.connections} connections)`);
  const r = tally(rx.out, N);
  assert.deepEqual({ lost: r.lost.length, dup: r.dup.length, other: r.other }, { lost: 0, dup: 0, other: [] }, `first lost ${r.lost.slice(0, 5)}, first dup ${r.dup.slice(0, 5)}`);
  const journal = fs.readFileSync(path.join(rx.workdir, 'daemon.persist.acks'), 'utf8');
  assert.match(journal, /^\{"format":"logferry-ack-journal","version":1\}\n/);
  // once more, then a sender that lost every ack sends all again: the persisted W drops them all
  process.kill(d.pid, 'SIGKILL');
  await d.process.exited;
  d = await rx.start();
  for (let i = 0; i < N; i++) tx.add(i, frame(i));
  tx.acked = -1;
  await tx.deliverAll(Date.now() + 30_000);
  assert.equal(tx.acked, N - 1);
  const r2 = tally(rx.out, N);
  assert.deepEqual({ lost: r2.lost.length, dup: r2.dup.length }, { lost: 0, dup: 0 }, 'a full resend after a kill writes nothing');
});

test('two destinations, one down: the file wrote, the receiver is killed, the resend is written only where it was not', { timeout: 60_000, skip }, async (t) => {
  const sinkPort = await freePort();
  const rx = await receiver(t, 'lf-ack-twodest', {
    decls: `destination d2 { network("127.0.0.1" port(${sinkPort}) transport(tcp) template("\${MSG}\\n")); };`,
    refs: 'destination(d2);',
  });
  let d = await rx.start();
  const N = 2500;
  const tx = new AckTestSender(rx.port);
  t.after(() => tx.close());
  for (let i = 0; i < N; i++) tx.add(i, frame(i));
  // d2 cannot connect: nothing is written everywhere, so nothing is acked; the file takes what the window lets in
  const first = tx.deliverAll(Date.now() + 60_000);
  const inFile = await waitForLines(rx.out, 1000, 15_000);
  assert.equal(tx.acked, -1, 'no ack while d2 has not written');
  process.kill(d.pid, 'SIGKILL');
  await d.process.exited;
  // d2's peer comes up, the receiver restarts, the sender resends all N
  const got: string[] = [];
  const sink = net.createServer((c) => {
    let rest = '';
    c.setEncoding('latin1');
    c.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      got.push(...lines);
    });
  });
  sink.listen(sinkPort, '127.0.0.1');
  await once(sink, 'listening');
  t.after(() => sink.close());
  d = await rx.start();
  await first;
  assert.equal(tx.acked, N - 1);
  const r = tally(rx.out, N);
  assert.ok(inFile.length >= 1000);
  assert.deepEqual({ lost: r.lost.length, dup: r.dup.length }, { lost: 0, dup: 0 }, `the ${inFile.length} records the file had before the kill were not written again (first dup ${r.dup.slice(0, 3)})`);
  const seen = new Set(got.filter((l) => /^m\d+$/.test(l)));
  assert.equal(seen.size, N, 'd2 got every record');
});
