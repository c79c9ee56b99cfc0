/**
 * `node bench/send.ts`: how fast `logferry send` delivers on loopback, into a sink that only reads
 * (the sender's own ceiling), into logferry's daemon and into the real syslog-ng 3.38, over TCP
 * and mutual TLS (client1 of the test PKI, peer-verify(required-trusted)), 1 and 4 connections.
 * Receivers write to a file with the default template, as in production. The figure is the
 * run's own: acknowledged messages (confirmed by the receiver's clean close) per second of the
 * whole run, connects and closes included.
 *
 * Environment: BENCH_SEND_COUNT (messages per case, default 300 000), BENCH_SIZE (frame bytes,
 * default 256), BENCH_IMPLS (default `sink,logferry,syslog-ng`).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { startLogferry } from '../test/helpers/daemon.ts';
import { freePorts } from '../test/helpers/ports.ts';
import { makePki, sngString, sngTls, startSyslogNg, tempDir } from '../test/helpers/peers.ts';
import type { DaemonHandle, Pki } from '../test/helpers/peers.ts';
import { runSendCli } from '../test/send/lib.ts';

const COUNT = Number(process.env.BENCH_SEND_COUNT ?? 300_000);
const SIZE = Number(process.env.BENCH_SIZE ?? 256);
const IMPLS = (process.env.BENCH_IMPLS ?? 'sink,logferry,syslog-ng').split(',');

interface Target {
  name: string;
  tcpPort: number;
  tlsPort: number;
  stop(): Promise<unknown>;
}

/** reads and drops everything; closes after the sender's end, like a syslog receiver */
async function sink(pki: Pki): Promise<Target> {
  const handle = (s: net.Socket) => {
    s.on('error', () => {});
    s.resume();
    s.on('end', () => s.end());
  };
  const plain = net.createServer(handle).listen(0, '127.0.0.1');
  const secure = tls.createServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.caFile), requestCert: true }, handle).listen(0, '127.0.0.1');
  await Promise.all([once(plain, 'listening'), once(secure, 'listening')]);
  return {
    name: 'sink (reads only)',
    tcpPort: (plain.address() as net.AddressInfo).port,
    tlsPort: (secure.address() as net.AddressInfo).port,
    stop: async () => {
      plain.close();
      secure.close();
    },
  };
}

function receiverConfig(pki: Pki, tcpPort: number, tlsPort: number, version: string) {
  return (dir: string) => [
    `@version: ${version}`,
    'options { stats-freq(0); use-dns(no); dns-cache(no); };',
    `source s_tls { syslog(ip("127.0.0.1") port(${tlsPort}) transport(tls) ${sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, caDir: pki.caDir, peerVerify: 'required-trusted' })}); };`,
    `source s_tcp { syslog(ip("127.0.0.1") port(${tcpPort}) transport(tcp)); };`,
    `destination d { file(${sngString(join(dir, 'out.log'))}); };`,
    'log { source(s_tls); source(s_tcp); destination(d); };',
    '',
  ].join('\n');
}

async function daemon(name: string, pki: Pki): Promise<Target> {
  const [tcpPort, tlsPort] = await freePorts(2);
  const opts = { readyPorts: [tcpPort, tlsPort], config: receiverConfig(pki, tcpPort, tlsPort, name === 'syslog-ng' ? '3.38' : '4.27') };
  const d: DaemonHandle = name === 'syslog-ng' ? await startSyslogNg(opts) : await startLogferry(opts);
  return { name, tcpPort, tlsPort, stop: () => d.stop() };
}

async function main(): Promise<void> {
  const tmp = tempDir('lf-bench-send');
  try {
    const pki = await makePki(join(tmp.path, 'pki'), 'ec');
    const client = ['--ca-file', pki.caFile, '--cert', pki.client1Cert, '--key', pki.client1Key];
    console.log(`logferry send, ${COUNT.toLocaleString('en-US')} messages of ${SIZE} bytes per case, loopback`);
    console.log('receiver'.padEnd(20) + 'tcp x1'.padStart(12) + 'tcp x4'.padStart(12) + 'tls x1'.padStart(12) + 'tls x4'.padStart(12) + '   (msg/s)');
    for (const impl of IMPLS) {
      const t = impl === 'sink' ? await sink(pki) : await daemon(impl, pki);
      try {
        const cells: string[] = [];
        for (const [transport, conns] of [['tcp', 1], ['tcp', 4], ['tls', 1], ['tls', 4]] as const) {
          const port = transport === 'tcp' ? t.tcpPort : t.tlsPort;
          const args = ['127.0.0.1', String(port), '--transport', transport, '--count', String(COUNT), '--size', String(SIZE), '--connections', String(conns), '--json', ...(transport === 'tls' ? client : [])];
          const r = await runSendCli(args, undefined, 300_000);
          const rep = r.report;
          cells.push(rep && rep.ok ? rep.rate.toLocaleString('en-US') : `failed (${r.code})`);
          if (!rep?.ok) console.error(r.stderr.trim());
        }
        console.log(t.name.padEnd(20) + cells.map((c) => c.padStart(12)).join(''));
      } finally {
        await t.stop();
      }
    }
  } finally {
    tmp.remove();
  }
}

await main();
