/**
 * transport(proxied-tcp) end to end: a balancer's PROXY header (v1 and v2) in
 * plain text before the syslog lines sets ${SOURCEIP} ${SOURCEPORT} ${DESTIP}
 * ${DESTPORT}, and HOST; a sender that bypasses the balancer is refused with one line and
 * none of its bytes are written; a LOCAL health check is closed quietly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { skipUnlessLogferry } from '../helpers/daemon.ts';
import { skipUnlessPeers } from '../helpers/peers.ts';
import { CLIENT, CLIENT6, VIP, VIP6, expectLines, expectedLine, proxyHeader, REFUSED, refusalLines, sendThrough, startProxied } from './proxy.lib.ts';

const skip = skipUnlessLogferry() || skipUnlessPeers('openssl');

test('proxied-tcp: v1 and v2 headers give the client address; a connection without a header is refused with one line', { timeout: 30_000, skip }, async (t) => {
  const p = await startProxied(t, 'proxied-tcp');
  await sendThrough(p, 'plain', proxyHeader(1, CLIENT, VIP), ['v1 one', 'v1 two']);
  await sendThrough(p, 'plain', proxyHeader(2, CLIENT, VIP), ['v2 one']);
  await sendThrough(p, 'plain', proxyHeader(2, CLIENT6, VIP6), ['v2 six']);
  const good = [
    expectedLine(CLIENT, VIP, 'v1 one'),
    expectedLine(CLIENT, VIP, 'v1 two'),
    expectedLine(CLIENT, VIP, 'v2 one'),
    expectedLine(CLIENT6, VIP6, 'v2 six'),
  ];
  await expectLines(p.out, good);

  // straight to the receiver, no header: closed by the daemon, one line naming peer and reason
  await sendThrough(p, 'plain', undefined, ['bypass attempt']);
  // a v2 LOCAL health check with bytes after it: closed quietly, nothing written
  const local = proxyHeader(2, CLIENT, VIP);
  local[12] = 0x20;
  await sendThrough(p, 'plain', local, ['health check data']);
  await sendThrough(p, 'plain', proxyHeader(1, CLIENT, VIP), ['after']);
  await expectLines(p.out, [...good, expectedLine(CLIENT, VIP, 'after')]);

  // HOST is the header's client too (use-dns(no): its address), and IP_PROTO its family
  await expectLines(p.hostOut, ['203.0.113.7 4 v1 one', '203.0.113.7 4 v1 two', '203.0.113.7 4 v2 one', '2001:db8::7 6 v2 six', '203.0.113.7 4 after']);
  await p.d.process.waitForStderr(REFUSED, 5000);
  const refused = refusalLines(p.d);
  assert.equal(refused.length, 1, p.d.stderr());
  assert.match(refused[0]!, /client='AF_INET\(127\.0\.0\.1:\d+\)'/);
  assert.match(refused[0]!, /reason='the connection does not start with a PROXY protocol header \(first bytes "<13>Nov 26 11:00"\.\.\.\)'/);
  const text = readFileSync(p.out, 'utf8');
  assert.ok(!text.includes('bypass') && !text.includes('health check'), text);
});
