/**
 * transport(proxied-udp) end to end: each datagram carries a PROXY v2 header
 * in front of its syslog message (AxoSyslog 4.27 reads only v2 in datagrams).
 * The header's addresses become ${SOURCEIP} and friends; a datagram without a
 * v2 header (a bare message, or a v1 line) is dropped and reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { skipUnlessLogferry } from '../helpers/daemon.ts';
import { skipUnlessPeers } from '../helpers/peers.ts';
import { CLIENT, CLIENT6, VIP, VIP6, expectLines, expectedLine, proxyHeader, startProxied, syslogLine } from './proxy.lib.ts';

const skip = skipUnlessLogferry() || skipUnlessPeers('openssl');
const DROPPED = /Datagram dropped: no valid PROXY protocol v2 header/;

test('proxied-udp: a v2 header per datagram gives the client address; bare and v1 datagrams are dropped with a line each', { timeout: 30_000, skip }, async (t) => {
  const p = await startProxied(t, 'proxied-udp');
  const sock = dgram.createSocket('udp4');
  t.after(() => sock.close());
  const send = async (b: Buffer): Promise<void> => {
    sock.send(b, p.port, '127.0.0.1');
    // sent in order from one socket: the daemon sees them in this order
    await new Promise((r) => setImmediate(r));
  };
  await send(Buffer.concat([proxyHeader(2, CLIENT, VIP), Buffer.from(syslogLine('udp v4'))]));
  await send(Buffer.from(syslogLine('bare datagram')));
  await send(Buffer.concat([proxyHeader(1, CLIENT, VIP), Buffer.from(syslogLine('v1 datagram'))]));
  await send(Buffer.concat([proxyHeader(2, CLIENT6, VIP6), Buffer.from(syslogLine('udp v6'))]));
  await expectLines(p.out, [expectedLine(CLIENT, VIP, 'udp v4'), expectedLine(CLIENT6, VIP6, 'udp v6')]);
  await p.d.process.waitForStderr(/a PROXY v1 line in a datagram/, 5000);
  const dropped = p.d.stderr().split('\n').filter((l) => DROPPED.test(l));
  assert.equal(dropped.length, 2, p.d.stderr());
  assert.match(dropped[0]!, /reason='the datagram does not start with a PROXY v2 header'/);
  assert.match(dropped[1]!, /reason='a PROXY v1 line in a datagram; over UDP only the v2 header is read'/);
  assert.ok(!/bare|v1 datagram/.test(readFileSync(p.out, 'utf8')));
});
