/**
 * transport(proxied-tls) end to end: the balancer terminates the client's TLS
 * and opens its own TLS session to logferry, whose first bytes inside are the
 * PROXY header. Mutual authentication therefore checks the balancer's
 * certificate; the header's addresses become ${SOURCEIP} and friends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { skipUnlessLogferry } from '../helpers/daemon.ts';
import { skipUnlessPeers } from '../helpers/peers.ts';
import { CLIENT, VIP, expectLines, expectedLine, proxyHeader, REFUSED, refusalLines, sendThrough, startProxied } from './proxy.lib.ts';

const skip = skipUnlessLogferry() || skipUnlessPeers('openssl');

test('proxied-tls: v1 and v2 headers inside the balancer\'s TLS; a trusted sender without a header is refused, a balancer without a certificate too', { timeout: 30_000, skip }, async (t) => {
  const p = await startProxied(t, 'proxied-tls', 'required-trusted');
  const balancer = { cert: p.pki.client1Cert, key: p.pki.client1Key };
  await sendThrough(p, 'tls-first', proxyHeader(1, CLIENT, VIP), ['v1 one', 'v1 two'], balancer);
  await sendThrough(p, 'tls-first', proxyHeader(2, CLIENT, VIP), ['v2 one'], balancer);
  const good = [expectedLine(CLIENT, VIP, 'v1 one'), expectedLine(CLIENT, VIP, 'v1 two'), expectedLine(CLIENT, VIP, 'v2 one')];
  await expectLines(p.out, good);

  // a trusted sender that skips the balancer: TLS is fine, but no header inside it
  await sendThrough(p, 'tls-first', undefined, ['bypass attempt'], balancer);
  // a balancer that has no certificate is refused by the TLS layer before any header matters
  await sendThrough(p, 'tls-first', proxyHeader(2, CLIENT, VIP), ['no balancer cert']);
  await sendThrough(p, 'tls-first', proxyHeader(1, CLIENT, VIP), ['after'], balancer);
  await expectLines(p.out, [...good, expectedLine(CLIENT, VIP, 'after')]);

  await p.d.process.waitForStderr(REFUSED, 5000);
  const refused = refusalLines(p.d);
  assert.equal(refused.length, 1, p.d.stderr());
  assert.match(refused[0]!, /client='AF_INET\(127\.0\.0\.1:\d+\)'.*reason='the connection does not start with a PROXY protocol header \(first bytes "<13>Nov 26 11:00"/);
  // the TLS layer checked the balancer: the one without a certificate was refused there
  await p.d.process.waitForStderr(/TLS handshake failed;.*reason='no_peer_certificate'/, 5000);
  const text = readFileSync(p.out, 'utf8');
  assert.ok(!text.includes('bypass') && !text.includes('no balancer cert'), text);
});
