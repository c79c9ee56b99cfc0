/**
 * `logferry send` against the real syslog-ng 3.38: mutual TLS with peer-verify(required-trusted)
 * and a hashed ca-dir, plain TCP, UDP and RFC 3164 from stdin. Counts are taken at syslog-ng, per
 * run (sender ids), and must be exact: every sequence number once, none missing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePorts } from '../helpers/ports.ts';
import { makePki, skipUnlessPeers, SNG_TEST_OPTIONS, sngString, sngTls, startSyslogNg, tempDir } from '../helpers/peers.ts';
import type { DaemonHandle, Pki } from '../helpers/peers.ts';
import { expectRunLines, runSendCli, SENDER_TEMPLATE } from '../send/lib.ts';

const skip = skipUnlessPeers('syslog-ng', 'openssl');

describe('logferry send → syslog-ng 3.38', { skip }, () => {
  let tmp: ReturnType<typeof tempDir>;
  let pki: Pki;
  let sng: DaemonHandle;
  let tlsPort: number, tcpPort: number, udpPort: number, bsdPort: number, crlPort: number;
  const out = (name: string) => join(sng.workdir, `${name}.txt`);

  before(async () => {
    tmp = tempDir('lf-send-sng');
    pki = await makePki(join(tmp.path, 'pki'), 'ec');
    [tlsPort, tcpPort, udpPort, bsdPort, crlPort] = await freePorts(5);
    sng = await startSyslogNg({
      readyPorts: [tlsPort, tcpPort, bsdPort, crlPort],
      config: (dir) => [
        '@version: 3.38',
        `options { ${SNG_TEST_OPTIONS} };`,
        `source s_tls { syslog(ip("127.0.0.1") port(${tlsPort}) transport(tls) ${sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, caDir: pki.caDir, peerVerify: 'required-trusted' })}); };`,
        `source s_crl { syslog(ip("127.0.0.1") port(${crlPort}) transport(tls) ${sngTls({ keyFile: pki.serverKey, certFile: pki.serverCert, caDir: pki.caDir, peerVerify: 'required-trusted', extra: `crl-dir(${sngString(pki.caDir)})` })}); };`,
        `source s_tcp { syslog(ip("127.0.0.1") port(${tcpPort}) transport(tcp)); };`,
        `source s_udp { syslog(ip("127.0.0.1") port(${udpPort}) transport(udp)); };`,
        `source s_bsd { network(ip("127.0.0.1") port(${bsdPort}) transport(tcp)); };`,
        ...['tls', 'tcp', 'udp'].map((n) => `destination d_${n} { file(${sngString(join(dir, `${n}.txt`))} template(${sngString(SENDER_TEMPLATE)})); };`),
        `destination d_bsd { file(${sngString(join(dir, 'bsd.txt'))} template(${sngString('${PROGRAM} ${MSG}\n')})); };`,
        ...['tls', 'tcp', 'udp', 'bsd'].map((n) => `log { source(s_${n}); destination(d_${n}); };`),
        'log { source(s_crl); destination(d_tls); };',
        '',
      ].join('\n'),
    });
  });

  after(async () => {
    await sng?.stop();
    tmp?.remove();
  });

  it('delivers exactly 1 000 of 1 000 over mutual TLS (required-trusted, hashed ca-dir)', async () => {
    const r = await runSendCli(['127.0.0.1', String(tlsPort), '--ca-dir', pki.caDir, '--cert', pki.client1Cert, '--key', pki.client1Key, '--count', '1000', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing on stderr: not a TTY, summary replaced by --json');
    const rep = r.report!;
    assert.deepEqual([rep.planned, rep.sent, rep.acknowledged, rep.errors, rep.ok], [1000, 1000, 1000, 0, true]);
    assert.match(rep.connections[0].tls?.protocol ?? '', /^TLSv1\.[23]$/);
    await expectRunLines(out('tls'), rep.run, 1000);
  });

  it('refused without a client certificate: exit 1, the reason in plain words', async () => {
    const r = await runSendCli(['127.0.0.1', String(tlsPort), '--ca-file', pki.caFile, '--count', '100']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /logferry send: error: the server rejected the handshake with alert 'certificate required'\. Fix: the server requires a client certificate: give --cert and --key/);
    assert.match(r.stderr, /0 of 100 messages sent/);
    assert.doesNotMatch(r.stderr, /Broken pipe|at .*\.ts:\d+/, 'a refusal, not a broken pipe or a stack');
  });

  it('refused with a certificate from another CA: exit 1, unknown ca', async () => {
    const rogue = join(pki.dir, 'rogue');
    const r = await runSendCli(['127.0.0.1', String(tlsPort), '--ca-file', pki.caFile, '--cert', `${rogue}.pem`, '--key', `${rogue}.key`, '--count', '100', '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rejected the handshake with alert 'unknown ca'/);
    const c = r.report!.connections[0];
    assert.equal(c.error?.reason, 'peer_rejected_us');
    assert.equal(c.acknowledged, 0);
    assert.equal(r.report!.ok, false);
  });

  it('with crl-dir(): a revoked client certificate is refused (exit 1), a valid one still delivers', async () => {
    const revoked = join(pki.dir, 'revoked');
    const r = await runSendCli(['127.0.0.1', String(crlPort), '--ca-dir', pki.caDir, '--cert', `${revoked}.pem`, '--key', `${revoked}.key`, '--count', '100', '--json']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /rejected the handshake with alert 'certificate revoked'\. Fix: our certificate is revoked: get a new one issued/);
    assert.equal(r.report!.acknowledged, 0);
    const ok = await runSendCli(['127.0.0.1', String(crlPort), '--ca-dir', pki.caDir, '--cert', pki.client1Cert, '--key', pki.client1Key, '--count', '100', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    await expectRunLines(out('tls'), ok.report!.run, 100);
  });

  it('refuses a server its --ca-file does not authorise, naming the CA to add', async () => {
    const r = await runSendCli(['127.0.0.1', String(tlsPort), '--ca-file', join(pki.dir, 'ca2.pem'), '--cert', pki.client1Cert, '--key', pki.client1Key]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /was issued by 'CN=Test Root CA, O=ExampleOrg', which this trust store does not authorise/);
    assert.match(r.stderr, /add its certificate to --ca-file, or to --ca-dir as [0-9a-f]{8}\.0/);
  });

  it('--json over tcp with 3 connections: the shape, per-connection counts, --size on the wire', async () => {
    const r = await runSendCli(['127.0.0.1', String(tcpPort), '--transport', 'tcp', '--count', '3000', '--connections', '3', '--size', '300', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rep = r.report!;
    assert.deepEqual(Object.keys(rep).sort(), ['acknowledged', 'bytes', 'connections', 'durationSeconds', 'errors', 'ok', 'planned', 'rate', 'run', 'sent', 'target'].sort());
    assert.deepEqual(rep.target, { host: '127.0.0.1', port: tcpPort, transport: 'tcp', framing: 'octet', format: '5424' });
    assert.match(rep.run, /^[0-9a-f]{8}$/);
    assert.equal(rep.connections.length, 3);
    assert.equal(rep.connections.reduce((a, c) => a + c.sent, 0), 3000);
    for (const c of rep.connections) {
      assert.equal(c.sender, `${rep.run}-${c.index}`);
      assert.equal(c.acknowledged, c.sent);
      assert.equal(c.closedCleanly, true);
      assert.equal(c.bytes, c.sent * 300, 'every frame is 300 bytes');
    }
    assert.equal(rep.bytes, 3000 * 300);
    assert.ok(rep.durationSeconds > 0 && rep.rate > 0);
    await expectRunLines(out('tcp'), rep.run, 3000);
  });

  it('--rate spreads the messages over time (loosely: no faster than the rate allows)', async () => {
    const r = await runSendCli(['127.0.0.1', String(tcpPort), '--transport', 'tcp', '--count', '60', '--rate', '100', '--connections', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    // 60 messages at 100/s with at most a 5-message burst take at least 0.55 s
    assert.ok(r.report!.durationSeconds >= 0.5, `took ${r.report!.durationSeconds} s`);
    assert.ok(r.report!.rate <= 120, `rate ${r.report!.rate}`);
    await expectRunLines(out('tcp'), r.report!.run, 60);
  });

  it('udp: datagrams sent, nothing to acknowledge', async () => {
    const r = await runSendCli(['127.0.0.1', String(udpPort), '--transport', 'udp', '--count', '200', '--rate', '2000', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.report!.sent, 200);
    assert.equal(r.report!.acknowledged, null);
    assert.equal(r.report!.connections[0].closedCleanly, null);
    await expectRunLines(out('udp'), r.report!.run, 200);
  });

  it('--from-file - sends stdin lines as RFC 3164, newline-framed, in order', async () => {
    const r = await runSendCli(['127.0.0.1', String(bsdPort), '--transport', 'tcp', '--format', '3164', '--from-file', '-', '--json'], 'first line\n\nsecond line\nthird line');
    assert.equal(r.code, 0, r.stderr);
    const rep = r.report!;
    assert.equal(rep.target.framing, 'newline');
    assert.deepEqual([rep.planned, rep.acknowledged], [3, 3]);
    const { waitForText } = await import('../helpers/peers.ts');
    const text = (await waitForText(out('bsd'), `sender=${rep.run}-1 seq=3 `, 30_000)).toString('utf8');
    const mine = text.split('\n').filter((l) => l.includes(`sender=${rep.run}-1 `));
    assert.deepEqual(mine, [1, 2, 3].map((i) => `logferry-send sender=${rep.run}-1 seq=${i} ${['first line', 'second line', 'third line'][i - 1]}`));
  });
});
