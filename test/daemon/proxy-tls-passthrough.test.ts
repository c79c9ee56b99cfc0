/**
 * transport(proxied-tls-passthrough) end to end: the balancer passes the
 * client's TLS through untouched and writes its PROXY header in plain text
 * before it. logferry reads the header off the raw socket, then runs the TLS
 * handshake on the bytes after it, so mutual authentication checks the client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { skipUnlessLogferry } from '../helpers/daemon.ts';
import { skipUnlessPeers } from '../helpers/peers.ts';
import { CLIENT, CLIENT6, VIP, VIP6, expectLines, expectedLine, proxyHeader, REFUSED, refusalLines, sendThrough, startProxied } from './proxy.lib.ts';

const skip = skipUnlessLogferry() || skipUnlessPeers('openssl');

test('proxied-tls-passthrough: header before the client\'s TLS; mutual auth checks the client; no header refused', { timeout: 30_000, skip }, async (t) => {
  const p = await startProxied(t, 'proxied-tls-passthrough', 'required-trusted');
  const client = { cert: p.pki.client1Cert, key: p.pki.client1Key };
  await sendThrough(p, 'header-then-tls', proxyHeader(1, CLIENT, VIP), ['v1 one', 'v1 two'], client);
  await sendThrough(p, 'header-then-tls', proxyHeader(2, CLIENT6, VIP6), ['v2 one'], client);
  const good = [expectedLine(CLIENT, VIP, 'v1 one'), expectedLine(CLIENT, VIP, 'v1 two'), expectedLine(CLIENT6, VIP6, 'v2 one')];
  await expectLines(p.out, good);

  const before = p.d.stderr().length;
  // a valid header, then a client whose certificate comes from another CA: the TLS layer refuses it
  await sendThrough(p, 'header-then-tls', proxyHeader(2, CLIENT, VIP), ['rogue client'], { cert: `${p.pki.dir}/rogue.pem`, key: `${p.pki.dir}/rogue.key` });
  // a valid header, then a client without any certificate
  await sendThrough(p, 'header-then-tls', proxyHeader(1, CLIENT, VIP), ['anonymous client']);
  await p.d.process.waitForStderr(/TLS handshake failed;.*reason='no_peer_certificate'/, 5000);
  const tlsRefusals = p.d.stderr().slice(before);
  // a client that connects straight to the receiver: its ClientHello is no PROXY header
  await sendThrough(p, 'tls-first', undefined, ['bypass attempt'], client);
  await sendThrough(p, 'header-then-tls', proxyHeader(1, CLIENT, VIP), ['after'], client);
  await expectLines(p.out, [...good, expectedLine(CLIENT, VIP, 'after')]);

  // the TLS layer checked the client behind the header: another CA's certificate, then none
  assert.match(tlsRefusals, /TLS handshake failed;.*reason='unknown_ca'/);
  assert.match(tlsRefusals, /TLS handshake failed;.*reason='no_peer_certificate'/);
  await p.d.process.waitForStderr(REFUSED, 5000);
  const refused = refusalLines(p.d);
  assert.equal(refused.length, 1, p.d.stderr());
  assert.match(refused[0]!, /reason='the connection does not start with a PROXY protocol header \(first bytes 0x160301/);
  const text = readFileSync(p.out, 'utf8');
  assert.ok(!/rogue|anonymous|bypass/.test(text), text);
});
