/**
 * `logferry send` against logferry's own daemon: exact counts over TCP and mutual TLS, and a
 * refused client certificate (logferry refuses it after a TLS 1.3 handshake, with an alert) that
 * ends in exit 1 and the reason in words.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { freePorts } from '../helpers/ports.ts';
import { makePki, skipUnlessPeers, SNG_TEST_OPTIONS, sngString, sngTls, tempDir } from '../helpers/peers.ts';
import type { DaemonHandle, Pki } from '../helpers/peers.ts';
import { expectRunLines, runSendCli, SENDER_TEMPLATE } from '../send/lib.ts';

describe('logferry send → logferry', { skip: skipUnlessPeers('openssl') }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let pki: Pki;
  let d: DaemonHandle;
  let tlsPort: number, tcpPort: number;
  const out = () => join(d.workdir, 'out.txt');

  before(async () => {
    tmp = tempDir('lf-send-daemon');
    pki = await makePki(join(tmp.path, 'pki'), 'ec');
    [tlsPort, tcpPort] = await freePorts(2);
    d = await startLogferry({
      readyPorts: [tlsPort, tcpPort],
      config: (dir) => [
        '@version: 4.27',
        `options { ${SNG_TEST_OPTIONS} };`,
        `source s_tls { syslog(ip("127.0.0.1") port(${tlsPort}) transport(tls) ${sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, caDir: pki.caDir, peerVerify: 'required-trusted' })}); };`,
        `source s_tcp { syslog(ip("127.0.0.1") port(${tcpPort}) transport(tcp)); };`,
        `destination d_out { file(${sngString(join(dir, 'out.txt'))} template(${sngString(SENDER_TEMPLATE)})); };`,
        'log { source(s_tls); source(s_tcp); destination(d_out); };',
        '',
      ].join('\n'),
    });
  });

  after(async () => {
    await d?.stop();
    tmp?.remove();
  });

  it('tcp: 5 000 over 2 connections, exactly', async () => {
    const r = await runSendCli(['127.0.0.1', String(tcpPort), '--transport', 'tcp', '--count', '5000', '--connections', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([r.report!.sent, r.report!.acknowledged], [5000, 5000]);
    await expectRunLines(out(), r.report!.run, 5000);
  });

  it('mutual TLS: 1 000 of 1 000, and the human summary says so', async () => {
    const r = await runSendCli(['127.0.0.1', String(tlsPort), '--ca-file', pki.caFile, '--cert', pki.client1Cert, '--key', pki.client1Key, '--count', '1000']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const m = /^logferry send: 1,000 of 1,000 messages sent and confirmed by the receiver's clean close; to 127\.0\.0\.1:\d+ over tls, octet framing, RFC 5424, 1 connection \(sender ([0-9a-f]{8})-1\), .* 0 errors\n$/.exec(r.stderr);
    assert.ok(m, r.stderr);
    const run = m[1];
    await expectRunLines(out(), run, 1000);
  });

  it('no client certificate: refused after the handshake, exit 1, reason in words', async () => {
    const r = await runSendCli(['127.0.0.1', String(tlsPort), '--ca-file', pki.caFile, '--count', '50', '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the server rejected the handshake with alert 'certificate required'\. Fix: the server requires a client certificate: give --cert and --key/);
    assert.equal(r.report!.acknowledged, 0);
    assert.equal(r.report!.connections[0].error?.reason, 'peer_rejected_us');
  });

  it('an expired client certificate: refused, exit 1', async () => {
    const r = await runSendCli(['127.0.0.1', String(tlsPort), '--ca-file', pki.caFile, '--cert', join(pki.dir, 'expired.pem'), '--key', join(pki.dir, 'expired.key'), '--count', '5']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rejected the handshake with alert 'certificate expired'/);
  });
});
