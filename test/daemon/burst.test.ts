/**
 * A burst far larger than log-fifo-size into a plain syslog() source with no
 * flow-control flag: the file writer is working, only behind, so the reader
 * waits for it (pipeline/congestion.ts) and nothing is dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { countLines, tempDir, waitForLines } from '../helpers/peers.ts';
import { skipUnlessLogferry, startLogferry, startSourceToFile } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';

const N = 100_000;

test('a burst of 100 000 messages is written completely with a 1 000-message queue', { timeout: 90_000, skip: skipUnlessLogferry() }, async (t) => {
  const { port, out } = await startSourceToFile(t, {
    name: 'lf-burst',
    options: 'use-dns(no); keep-hostname(yes); log-fifo-size(1000);',
    source: (port) => `syslog(ip(127.0.0.1) port(${port}) transport(tcp));`,
  });
  const chunks: Buffer[] = [];
  for (let i = 0; i < N; i++) {
    const m = `<13>1 2026-11-23T10:00:00+00:00 h app - - - seq ${i} ${'x'.repeat(200)}`;
    chunks.push(Buffer.from(`${Buffer.byteLength(m)} ${m}`));
  }
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.on('error', reject);
    sock.end(Buffer.concat(chunks), () => resolve());
  });
  await waitForLines(out, N, 60_000);
  assert.equal(await countLines(out), N);
});

test('a destination that cannot connect does not hold the source: the file still gets everything', { timeout: 60_000, skip: skipUnlessLogferry() }, async (t) => {
  const dir = tempDir('lf-burst-down');
  t.after(() => dir.remove());
  const [port, deadPort] = [await freePort(), await freePort()];
  const out = path.join(dir.path, 'out.log');
  const d = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); keep-hostname(yes); log-fifo-size(1000); time-reopen(60); };
source s { syslog(ip(127.0.0.1) port(${port}) transport(tcp)); };
destination d_file { file("${out}" template("\${MSG}\\n")); };
destination d_down { syslog("127.0.0.1" port(${deadPort}) transport(tcp)); };
log { source(s); destination(d_file); destination(d_down); };
`,
    readyPorts: [port],
  });
  t.after(() => d.stop());
  const n = 20_000;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = `<13>1 - h app - - - seq ${i}`;
    parts.push(`${Buffer.byteLength(m)} ${m}`);
  }
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.on('error', reject);
    sock.end(parts.join(''), () => resolve());
  });
  await waitForLines(out, n, 30_000);
  assert.equal(await countLines(out), n);
});
