/**
 * A clean stop (issue 15): on SIGTERM logferry stops reading first, writes what it had read,
 * exits within 2 s, and says in one line whether everything read was written or how much was
 * lost where. Measured from outside, as a user would: the daemon is a child process, the senders
 * are `logferry send` processes, and every message is counted by its sender id and sequence
 * number in the file the daemon wrote.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { helpText } from '../../src/cli/args.ts';
import { DEFAULT_STOP_DEADLINE_MS } from '../../src/daemon/stop-deadline.ts';
import { startLogferry, type DaemonHandle } from '../helpers/daemon.ts';
import { freePorts } from '../helpers/ports.ts';
import { makePki, skipUnlessPeers, SNG_TEST_OPTIONS, sngString, sngTls, tempDir, watchUntil, type Pki } from '../helpers/peers.ts';
import { runSendCli, SENDER_TEMPLATE, type SendRun } from '../send/lib.ts';

/** the acceptance bound on a stop: signal to exit */
const EXIT_WITHIN_MS = 2000;
/** every message on the wire is padded to this (logferry send --size): bytes convert to messages */
const WIRE_SIZE = 200;
const CONNECTIONS = 3;

/** the third field of a /proc/sys/net/ipv4/tcp_[rw]mem line: the most the kernel gives one socket's buffer */
function procMax(name: 'tcp_rmem' | 'tcp_wmem'): number {
  const fields = readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/).map(Number);
  assert.equal(fields.length, 3, `${name}: min default max`);
  return fields[2];
}

/**
 * How many messages one connection may have sent that the daemon never read, so never wrote.
 * `logferry send` counts a message as sent once the kernel accepted its bytes (over TLS: once
 * encrypted and written). What the daemon has not read by the time it stops reading can then only
 * be in the sender's send buffer (at most tcp_wmem's maximum, the kernel's autotuning ceiling) or
 * the daemon's receive buffer (at most tcp_rmem's maximum); on loopback nothing is in flight
 * between the two. Over TLS add what OpenSSL took from the kernel without a complete record to
 * decrypt yet (one record: 16 KiB plus its overhead), and on any connection the last message, cut
 * off mid-frame, which is not a message. Buffer sizes count the kernel's bookkeeping too, so the
 * payload they hold is below them: the bound is generous, never tight, and any reading-on after
 * the signal whose bytes are not written breaks it by far (the issue saw 790 000 of 994 000 lost).
 */
function unreadBound(): { perConnection: number; rmem: number; wmem: number } {
  const rmem = procMax('tcp_rmem');
  const wmem = procMax('tcp_wmem');
  const tlsRecord = 16 * 1024 + 256;
  return { perConnection: Math.ceil((rmem + wmem + tlsRecord) / WIRE_SIZE) + 1, rmem, wmem };
}

interface KernelBuffers {
  /** the daemon's receive buffers (skmem rb) plus the senders' send buffers (skmem tb), bytes */
  capacity: number;
  /** bytes queued in them when sampled: unread at the daemon (Recv-Q), unsent by the senders (Send-Q) */
  queued: number;
  sockets: number;
}

/**
 * The loopback connections to `ports` as `ss -tmn` shows them: the buffer sizes the kernel has
 * autotuned them to by now, summed over both ends. undefined when ss is missing.
 */
function kernelBuffers(ports: number[]): KernelBuffers | undefined {
  let text: string;
  try {
    text = execFileSync('ss', ['-tmnH', 'state', 'established'], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
  const sum: KernelBuffers = { capacity: 0, queued: 0, sockets: 0 };
  // each socket: `RECVQ SENDQ LOCAL PEER` then, on a line of its own, `skmem:(r..,rb..,t..,tb..,…)`
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    const mem = /skmem:\(r\d+,rb(\d+),t\d+,tb(\d+)/.exec(lines[i + 1]);
    if (f.length < 4 || !mem) continue;
    const port = (a: string) => Number(a.slice(a.lastIndexOf(':') + 1));
    if (ports.includes(port(f[2]))) {
      sum.capacity += Number(mem[1]);
      sum.queued += Number(f[0]);
      sum.sockets++;
    } else if (ports.includes(port(f[3]))) {
      sum.capacity += Number(mem[2]);
      sum.queued += Number(f[1]);
      sum.sockets++;
    }
    i++;
  }
  return sum;
}

/** per sender id: its sequence numbers as written */
function writtenBySender(file: string): Map<string, number[]> {
  const bySender = new Map<string, number[]>();
  let text = '';
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return bySender;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [sender, seq] = line.split(' ');
    const list = bySender.get(sender) ?? [];
    list.push(Number(seq));
    bySender.set(sender, list);
  }
  return bySender;
}

/** the stop's one report line, with its numbers */
function stopReport(stderr: string): { lines: string[]; read: number; lost: number; destinations: string } {
  const lines = stderr.split('\n').filter((l) => /Stopped reading/.test(l));
  const m = /read='(\d+)', lost='(\d+)', deadline_ms='\d+', destinations='([^']*)'/.exec(lines[0] ?? '');
  assert.ok(m, `a stop report line in stderr:\n${stderr.slice(-3000)}`);
  return { lines, read: Number(m[1]), lost: Number(m[2]), destinations: m[3] };
}

/** SIGTERM by PID; resolves with the milliseconds to the daemon's exit (bounded: SIGKILL after 10 s) */
async function sigtermAndTime(d: DaemonHandle): Promise<number> {
  const t0 = performance.now();
  process.kill(d.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 10_000)));
  const r = await Promise.race([d.process.exited, killed]);
  clearTimeout(timer);
  const ms = performance.now() - t0;
  if (r === 'timeout') {
    process.kill(d.pid, 'SIGKILL');
    await d.process.exited;
  }
  return ms;
}

describe('SIGTERM while fast senders stream over TCP and TLS', { skip: skipUnlessPeers('openssl') }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let pki: Pki;
  before(async () => {
    tmp = tempDir('lf-clean-stop');
    pki = await makePki(join(tmp.path, 'pki'), 'ec');
  });
  after(() => tmp?.remove());

  it('exits within 2 s; per sender the written lines are 1..k once each; what was sent and not written fits in kernel buffers; one report line that adds up', { timeout: 60_000 }, async (t) => {
    const [tcpPort, tlsPort] = await freePorts(2);
    const d = await startLogferry({
      readyPorts: [tcpPort, tlsPort],
      config: (dir) => [
        '@version: 4.27',
        `options { ${SNG_TEST_OPTIONS} };`,
        `source s_tcp { network(ip("127.0.0.1") port(${tcpPort}) transport(tcp) flags(syslog-protocol)); };`,
        `source s_tls { syslog(ip("127.0.0.1") port(${tlsPort}) transport(tls) ${sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, caDir: pki.caDir, peerVerify: 'required-trusted' })}); };`,
        `destination d_out { file(${sngString(join(dir, 'out.txt'))} template(${sngString(SENDER_TEMPLATE)})); };`,
        'log { source(s_tcp); source(s_tls); destination(d_out); };',
        '',
      ].join('\n'),
    });
    t.after(() => d.stop(1000));
    const out = join(d.workdir, 'out.txt');
    const common = ['--duration', '30', '--connections', String(CONNECTIONS), '--size', String(WIRE_SIZE), '--json'];
    const senders: Array<Promise<SendRun>> = [
      runSendCli(['127.0.0.1', String(tcpPort), '--transport', 'tcp', '--framing', 'newline', ...common], undefined, 45_000),
      runSendCli(['127.0.0.1', String(tlsPort), '--ca-file', pki.caFile, '--cert', pki.client1Cert, '--key', pki.client1Key, ...common], undefined, 45_000),
    ];
    // every connection streaming at full speed, and a good amount written, before the signal
    await watchUntil(
      out,
      async () => {
        const w = writtenBySender(out);
        return w.size >= 2 * CONNECTIONS && [...w.values()].every((l) => l.length >= 1000) ? true : undefined;
      },
      20_000,
      async () => `not every connection streamed: ${JSON.stringify([...writtenBySender(out)].map(([k, v]) => [k, v.length]))}`,
    );

    const buffers = kernelBuffers([tcpPort, tlsPort]);
    const exitMs = await sigtermAndTime(d);
    const runs = await Promise.all(senders);
    const stderr = d.stderr();
    t.diagnostic(`exit ${exitMs.toFixed(0)} ms after SIGTERM`);
    assert.ok(exitMs <= EXIT_WITHIN_MS, `exited ${exitMs.toFixed(0)} ms after SIGTERM (at most ${EXIT_WITHIN_MS}); stderr:\n${stderr.slice(-2000)}`);
    assert.equal(d.process.exitInfo?.code, 0, `exit status 0; stderr:\n${stderr.slice(-2000)}`);

    const written = writtenBySender(out);
    const bound = unreadBound();
    let sentTotal = 0;
    let writtenTotal = 0;
    for (const run of runs) {
      assert.ok(run.report, `send printed its report: ${run.stderr}`);
      assert.equal(run.report.connections.length, CONNECTIONS);
      for (const c of run.report.connections) {
        const seqs = (written.get(c.sender) ?? []).sort((a, b) => a - b);
        const k = seqs.length;
        assert.deepEqual(seqs, Array.from({ length: k }, (_, i) => i + 1), `${c.sender}: the written lines are seq 1..${k}, each once`);
        assert.ok(k > 0, `${c.sender}: streamed before the signal`);
        assert.ok(k <= c.sent, `${c.sender}: ${k} written, ${c.sent} sent`);
        const unread = c.sent - k;
        assert.ok(unread <= bound.perConnection, `${c.sender}: ${unread} sent but not written, more than the kernel buffers hold (${bound.perConnection} messages of ${WIRE_SIZE} B: tcp_rmem max ${bound.rmem} + tcp_wmem max ${bound.wmem})`);
        sentTotal += c.sent;
        writtenTotal += k;
      }
    }
    assert.equal([...written.values()].reduce((n, l) => n + l.length, 0), writtenTotal, 'no line from anyone else');
    t.diagnostic(`sent ${sentTotal}, written ${writtenTotal}, sent but never read ${sentTotal - writtenTotal} over ${2 * CONNECTIONS} connections (bound ${bound.perConnection} each)`);
    if (buffers) {
      // for the record, the buffers the kernel had actually given these sockets just before the signal: a
      // tighter figure than the maxima, but not a bound (autotuning may still grow them before the daemon
      // handles the signal), so it is shown, not asserted
      t.diagnostic(`kernel buffers of the ${buffers.sockets} socket ends just before SIGTERM: ${buffers.capacity} B (${Math.round(buffers.capacity / WIRE_SIZE)} messages), ${buffers.queued} B queued in them (${Math.round(buffers.queued / WIRE_SIZE)} messages)`);
    }
    // one line, and it adds up: everything read was written, and the file holds exactly that
    const r = stopReport(stderr);
    assert.equal(r.lines.length, 1, `one stop report line:\n${r.lines.join('\n')}`);
    assert.match(r.lines[0], /Stopped reading and wrote every message read/);
    assert.equal(r.lost, 0);
    assert.equal(r.read, writtenTotal, 'read = written lines');
    assert.equal(r.destinations, `d_out: ${writtenTotal} written`);
  });
});

describe('stopping with destinations that do not cooperate', () => {
  /** a daemon: TCP source → `destination`, fed `n` messages by logferry send, which it has all read */
  async function daemonWith(t: { after(fn: () => unknown): void }, destination: (port: number) => string, n: number, destPort: number): Promise<DaemonHandle> {
    const [srcPort] = await freePorts(1);
    const d = await startLogferry({
      readyPorts: [srcPort],
      config: [
        '@version: 4.27',
        `options { ${SNG_TEST_OPTIONS} };`,
        `source s { network(ip("127.0.0.1") port(${srcPort}) transport(tcp)); };`,
        `destination d_peer { ${destination(destPort)} };`,
        'log { source(s); destination(d_peer); };',
        '',
      ].join('\n'),
    });
    t.after(() => d.stop(1000));
    // the sender's clean close confirms that the daemon read every message
    const r = await runSendCli(['127.0.0.1', String(srcPort), '--transport', 'tcp', '--framing', 'newline', '--count', String(n), '--json']);
    assert.equal(r.report?.acknowledged, n, r.stderr);
    return d;
  }

  it('a destination server that never closes its side does not hold the exit', { timeout: 30_000 }, async (t) => {
    let received = 0;
    const sockets = new Set<net.Socket>();
    let gotAll!: () => void;
    const all = new Promise<void>((r) => (gotAll = r));
    // allowHalfOpen: our FIN is not answered with one; the socket stays open until the daemon gives up
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      sockets.add(s);
      s.on('error', () => {});
      s.on('data', (b) => {
        received += b.toString('latin1').split('\n').length - 1;
        if (received >= 100) gotAll();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    t.after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const port = (server.address() as net.AddressInfo).port;
    const d = await daemonWith(t, (p) => `network("127.0.0.1" port(${p}) transport(tcp));`, 100, port);
    await all;
    const exitMs = await sigtermAndTime(d);
    t.diagnostic(`exit ${exitMs.toFixed(0)} ms after SIGTERM with a server that never closes`);
    assert.ok(exitMs <= EXIT_WITHIN_MS, `exited ${exitMs.toFixed(0)} ms after SIGTERM (at most ${EXIT_WITHIN_MS}); stderr:\n${d.stderr().slice(-2000)}`);
    const r = stopReport(d.stderr());
    assert.equal(r.lines.length, 1);
    assert.equal(r.lost, 0);
    assert.equal(r.destinations, 'd_peer: 100 written');
  });

  it('a destination that is down: the messages it could not write are counted in the one stop line', { timeout: 30_000 }, async (t) => {
    // a port nobody listens on: the destination keeps them queued, retrying
    const [down] = await freePorts(1);
    const d = await daemonWith(t, (p) => `network("127.0.0.1" port(${p}) transport(tcp));`, 50, down);
    const exitMs = await sigtermAndTime(d);
    assert.ok(exitMs <= EXIT_WITHIN_MS, `exited ${exitMs.toFixed(0)} ms after SIGTERM (at most ${EXIT_WITHIN_MS})`);
    const r = stopReport(d.stderr());
    assert.equal(r.lines.length, 1, r.lines.join('\n'));
    assert.match(r.lines[0], /Stopped reading; messages read but not written by the deadline are lost/);
    assert.deepEqual([r.read, r.lost], [50, 50]);
    assert.equal(r.destinations, 'd_peer: 0 written, 50 lost (50 unwritten at the deadline, 0 dropped while stopping)');
  });
});

it('--help says what a stop does, with the deadline the daemon uses', () => {
  const help = helpText();
  assert.doesNotMatch(help, /flush queues/, 'no promise that queues are flushed whatever happens');
  assert.ok(help.includes(`give destinations ${DEFAULT_STOP_DEADLINE_MS / 1000} s to write every message already read`), help);
  assert.match(help, /One line reports whether everything read was written, or how many\nmessages each destination lost/);
});
