/**
 * A TLS client that connects to a plain-TCP source is recognised from its
 * ClientHello: one log line naming it and what it offered, no garbage
 * message, and other senders are not affected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { skipUnlessPeers, waitForLines } from '../helpers/peers.ts';
import { startSourceToFile } from '../helpers/daemon.ts';
import { createStreamListener } from '../../src/transport/stream-listener.ts';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { asCompiled } from './helpers.ts';

test('listener: a ClientHello on a plain port is logged once and not delivered; a 0x16-free sender is', { timeout: 20_000 }, async (t) => {
  const events: InternalEvent[] = [];
  setInternalSinks([(ev) => events.push(ev)], { debug: true });
  const delivered: Buffer[] = [];
  let closedConns = 0;
  let bothClosed!: () => void;
  const closed = new Promise<void>((r) => (bothClosed = r));
  const l = await createStreamListener({ ...asCompiled.listener(), transport: 'tcp', ip: '127.0.0.1', port: 0, location: { file: 'plain.conf', line: 7, column: 3 } }, {
    onConnection: () => ({
      onData: (c) => delivered.push(c),
      onClose: () => {
        if (++closedConns === 2) bothClosed();
      },
    }),
  });
  t.after(() => l.close());
  // a ClientHello split over two writes still counts as one
  const raw = net.connect(l.address.port, '127.0.0.1');
  await once(raw, 'connect');
  raw.on('error', () => {});
  // legacy TLS 1.2, 32-byte random, no session id, one suite, null compression, no extensions
  const body = Buffer.concat([Buffer.of(3, 3), Buffer.alloc(32, 1), Buffer.of(0, 0, 2, 0x13, 0x01, 1, 0)]);
  const hs = Buffer.concat([Buffer.of(1, 0, 0, body.length), body]);
  const hello = Buffer.concat([Buffer.of(0x16, 3, 1, 0, hs.length), hs]);
  raw.write(hello.subarray(0, 3));
  await new Promise((r) => setImmediate(r));
  raw.write(hello.subarray(3));
  await once(raw, 'close');

  const plain = net.connect(l.address.port, '127.0.0.1');
  await once(plain, 'connect');
  plain.end('<13>hi\n');
  await closed;
  assert.equal(Buffer.concat(delivered).toString(), '<13>hi\n');
  const lines = events.filter((e) => e.text.startsWith('a TLS client connected to a plain-TCP port'));
  assert.equal(lines.length, 1);
  assert.equal(lines[0].tags.location, 'plain.conf:7:3');
  assert.equal(lines[0].tags.offered, 'TLS 1.2 (its highest)');
});

test('daemon: s_client on a transport(tcp) source: one line saying use transport(tls), no garbage stored', { timeout: 90_000, skip: skipUnlessPeers('openssl') }, async (t) => {
  const { d, port, out } = await startSourceToFile(t, {
    name: 'lf-tls-on-plain',
    source: (port) => `network(ip(127.0.0.1) port(${port}) transport(tcp));`,
  });

  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  });
  let sOut = '';
  child.stdout.on('data', (b) => (sOut += b));
  child.stderr.on('data', (b) => (sOut += b));
  const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGTERM'), 15_000);
  await once(child, 'exit');
  clearTimeout(timer);
  assert.notEqual(child.exitCode, 0, sOut);

  const plain = net.connect(port, '127.0.0.1');
  await once(plain, 'connect');
  plain.end('<13>Nov 26 07:00:00 h app: after-the-tls-client\n');
  const lines = await waitForLines(out, 1, 15_000);
  assert.deepEqual(lines, ['after-the-tls-client']);
  const said = d.stderr().split('\n').filter((s) => s.includes('a TLS client connected to a plain-TCP port; use transport(tls)'));
  assert.equal(said.length, 1, d.stderr());
  assert.match(said[0], /TLS 1\.3/);
  assert.match(said[0], /daemon\.conf:3:\d+/);
  assert.equal(readFileSync(out, 'utf8'), 'after-the-tls-client\n');
});
