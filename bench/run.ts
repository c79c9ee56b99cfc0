/**
 * `npm run bench`: the receive-path benchmark, logferry side by side with syslog-ng 3.38 in the
 * same run, with the identical configuration (syslog()/network() TLS or TCP source → file() with
 * the default template; the test PKI from scripts/peers/mkcerts.sh).
 *
 * Per case and daemon: start the receiver, start the senders (s_client replaying a cached
 * loggen-format payload with client1's certificate = mutual auth, or loggen = server auth / plain
 * TCP), let it warm up, then measure for a fixed window: delivered msg/s (new lines in the output
 * file), receiver CPU % of one core and µs CPU per message (/proc/PID/stat).
 *
 * Environment: BENCH_SECONDS (window, default 12), BENCH_WARMUP (default 2), BENCH_SIZE (message
 * bytes, default 300), BENCH_CASES (comma list of case ids, or `all`; default: the four main
 * cases), BENCH_IMPLS (default `syslog-ng,logferry`), BENCH_KEY_ALG (rsa|ec, default rsa as in
 * baseline.md).
 */
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.ts';
import { hasLogferry } from '../test/helpers/daemon.ts';
import { makePki, missingPeers, missingPeersMessage, sngString, sngTls, tempDir } from '../test/helpers/peers.ts';
import type { DaemonHandle, Pki } from '../test/helpers/peers.ts';
import { startImpl } from '../test/interop/lib/impls.ts';
import type { Impl } from '../test/interop/lib/impls.ts';
import { cachedPayload } from './lib/payload.ts';
import { measureBetween, sample } from './lib/measure.ts';
import type { Measurement } from './lib/measure.ts';
import { startLoggen, startSClients } from './lib/senders.ts';
import type { Sender } from './lib/senders.ts';

interface BenchCase {
  id: string;
  framing: 'syslog' | 'network';
  transport: 'tls' | 'tcp';
  /** mutual: peer-verify(required-trusted); server: optional-untrusted */
  auth: 'mutual' | 'server' | 'none';
  sender: 's_client' | 'loggen';
  conns: number;
}

const CASES: BenchCase[] = [
  { id: 'tls-syslog-mutual-sclient-1', framing: 'syslog', transport: 'tls', auth: 'mutual', sender: 's_client', conns: 1 },
  { id: 'tls-syslog-mutual-sclient-4', framing: 'syslog', transport: 'tls', auth: 'mutual', sender: 's_client', conns: 4 },
  { id: 'tls-syslog-srvauth-loggen-1', framing: 'syslog', transport: 'tls', auth: 'server', sender: 'loggen', conns: 1 },
  { id: 'tcp-syslog-loggen-1', framing: 'syslog', transport: 'tcp', auth: 'none', sender: 'loggen', conns: 1 },
  // extra cases: BENCH_CASES=all or by id
  { id: 'tls-network-mutual-sclient-1', framing: 'network', transport: 'tls', auth: 'mutual', sender: 's_client', conns: 1 },
  { id: 'tls-syslog-srvauth-loggen-4', framing: 'syslog', transport: 'tls', auth: 'server', sender: 'loggen', conns: 4 },
  { id: 'tcp-network-loggen-1', framing: 'network', transport: 'tcp', auth: 'none', sender: 'loggen', conns: 1 },
];
const DEFAULT_CASES = CASES.slice(0, 4).map((c) => c.id);

const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const SIZE = Number(process.env.BENCH_SIZE ?? 300);
const PAYLOAD_MSGS = 100_000;

function receiverConfig(c: BenchCase, port: number, pki: Pki, out: string): string {
  const tls = c.transport === 'tls'
    ? sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, caDir: pki.caDir, peerVerify: c.auth === 'mutual' ? 'required-trusted' : 'optional-untrusted' })
    : '';
  return [
    '@version: 3.38',
    'options { stats-freq(0); keep-hostname(yes); chain-hostnames(no); use-dns(no); use-fqdn(no); dns-cache(no); create-dirs(yes); };',
    `source s_in { ${c.framing}(ip("127.0.0.1") port(${port}) transport("${c.transport}") ${tls}); };`,
    `destination d_out { file(${sngString(out)}); };`,
    'log { source(s_in); destination(d_out); };',
    '',
  ].join('\n');
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function runOne(impl: Impl, c: BenchCase, pki: Pki): Promise<Measurement> {
  const port = await freePort();
  const dir = tempDir(`lf-bench-${impl}`);
  const out = join(dir.path, 'out.log');
  let receiver: DaemonHandle | undefined;
  let sender: Sender | undefined;
  try {
    receiver = await startImpl(impl, { name: `${impl} receiver`, readyPorts: [port], config: receiverConfig(c, port, pki, out) });
    if (c.sender === 's_client') {
      const payload = cachedPayload(c.framing, SIZE, PAYLOAD_MSGS);
      sender = startSClients(c.conns, payload, { port, caFile: pki.caFile, cert: pki.client1Cert, key: pki.client1Key });
    } else {
      sender = startLoggen({ port, tls: c.transport === 'tls', proto: c.framing, conns: c.conns, seconds: Math.ceil(WARMUP + SECONDS + 5), size: SIZE });
    }
    await delay(WARMUP * 1000);
    const a = await sample(out, receiver.pid);
    await delay(SECONDS * 1000);
    const b = await sample(out, receiver.pid);
    const failed = sender.failure();
    if (failed !== undefined) throw new Error(failed);
    if (!receiver.process.running) throw new Error(`${impl} exited during the run:\n${receiver.process.stderrTail(10)}`);
    const m = await measureBetween(out, a, b);
    if (m.delivered === 0) throw new Error(`nothing delivered; ${impl} stderr:\n${receiver.process.stderrTail(10)}`);
    return m;
  } finally {
    await sender?.stop();
    await receiver?.stop();
    dir.remove();
  }
}

function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<number> {
  const wanted = (process.env.BENCH_CASES ?? DEFAULT_CASES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const cases = wanted.includes('all') ? CASES : CASES.filter((c) => wanted.includes(c.id));
  const unknown = wanted.filter((w) => w !== 'all' && !CASES.some((c) => c.id === w));
  if (unknown.length > 0) {
    console.error(`unknown BENCH_CASES ${unknown.join(', ')}; known: ${CASES.map((c) => c.id).join(', ')}`);
    return 2;
  }
  const impls = (process.env.BENCH_IMPLS ?? 'syslog-ng,logferry').split(',').map((s) => s.trim()) as Impl[];
  const missing = missingPeers(['syslog-ng', 'openssl', 'loggen']);
  if (missing.length > 0) {
    console.error(`bench: ${missingPeersMessage(missing)}`);
    return 1;
  }
  const runLf = impls.includes('logferry') && hasLogferry();
  if (impls.includes('logferry') && !runLf) console.error('bench: logferry daemon not built yet (src/cli/main.ts missing); syslog-ng only');

  const pkiDir = tempDir('lf-bench-pki');
  const keyAlg = process.env.BENCH_KEY_ALG === 'ec' ? 'ec' : 'rsa';
  console.error(`bench: ${cases.length} case(s), ${WARMUP} s warm-up + ${SECONDS} s window each, ${SIZE}-byte messages, ${keyAlg.toUpperCase()} PKI`);
  const results: Array<{ c: BenchCase; sng?: Measurement | Error; lf?: Measurement | Error }> = [];
  try {
    const pki = await makePki(pkiDir.path, keyAlg);
    for (const c of cases) {
      const r: (typeof results)[number] = { c };
      for (const impl of impls) {
        if (impl === 'logferry' && !runLf) continue;
        console.error(`bench: ${c.id} on ${impl} ...`);
        let m: Measurement | Error;
        try {
          m = await runOne(impl, c, pki);
          console.error(`  ${fmtInt(m.msgPerSec)} msg/s, CPU ${m.cpuPct.toFixed(0)} %, ${m.usPerMsg.toFixed(2)} µs/msg`);
        } catch (err) {
          m = err as Error;
          console.error(`  FAILED: ${m.message}`);
        }
        if (impl === 'syslog-ng') r.sng = m;
        else r.lf = m;
      }
      results.push(r);
    }
  } finally {
    pkiDir.remove();
  }

  const cell = (m: Measurement | Error | undefined): string[] => {
    if (m === undefined) return ['n/a', 'n/a', 'n/a'];
    if (m instanceof Error) return ['FAILED', '', ''];
    return [fmtInt(m.msgPerSec), m.cpuPct.toFixed(0), m.usPerMsg.toFixed(2)];
  };
  console.log('');
  console.log(row(['case', 'sender', 'conns', 'syslog-ng msg/s', 'CPU %', 'µs/msg', 'logferry msg/s', 'CPU %', 'µs/msg', 'logferry/syslog-ng']));
  console.log(row(Array(10).fill('---')));
  for (const { c, sng, lf } of results) {
    const ratio = sng !== undefined && !(sng instanceof Error) && lf !== undefined && !(lf instanceof Error)
      ? `${(lf.msgPerSec / sng.msgPerSec).toFixed(2)}x` : 'n/a';
    const label = `${c.transport.toUpperCase()} ${c.framing}() ${c.auth === 'none' ? '' : c.auth === 'mutual' ? 'mutual' : 'srvauth'}`.trim();
    console.log(row([`${c.id} (${label})`, c.sender, String(c.conns), ...cell(sng), ...cell(lf), ratio]));
  }
  console.log(`\nCPU % is of one core (2 cores = 200 %); sender and receiver share the machine. ${SECONDS} s window after ${WARMUP} s warm-up.`);
  return results.some((r) => r.sng instanceof Error || r.lf instanceof Error) ? 1 : 0;
}

process.exitCode = await main();
