/**
 * Acceptance of `logferry cert` against the real syslog-ng 3.38: a CA, a
 * server and client certificates made by the command, used by syslog-ng with
 * the hashed ca.d and peer-verify(required-trusted); 1 000 of 1 000 messages
 * arrive over mutual TLS. After `cert revoke` and a restart with crl-dir(),
 * the revoked client is refused while a client that was not revoked still
 * gets through (so the refusal is the revocation, not a broken crl-dir).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SNG_TEST_OPTIONS, sngString, skipUnlessPeers, startSyslogNg, tempDir, type DaemonHandle } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { certOk } from './cert-helpers.ts';
import { expectRunLines, runSendCli, SENDER_TEMPLATE } from '../send/lib.ts';

const COUNT = 1000;

function receiverConfig(port: number, dir: string, out: string, crl: boolean): string {
  const caDir = path.join(dir, 'ca.d');
  return `@version: 3.38
options { ${SNG_TEST_OPTIONS} };
source s_tls {
  syslog(ip(127.0.0.1) port(${port}) transport("tls")
    tls(key-file(${sngString(path.join(dir, 'localhost.key'))}) cert-file(${sngString(path.join(dir, 'localhost.pem'))})
        ca-dir(${sngString(caDir)}) ${crl ? `crl-dir(${sngString(caDir)})` : ''} peer-verify(required-trusted)));
};
destination d { file(${sngString(out)} template(${sngString(SENDER_TEMPLATE)})); };
log { source(s_tls); destination(d); };
`;
}

/** `logferry send` with a cert-made client certificate, verifying the server against the hashed ca.d. */
function send(port: number, dir: string, client: string, count: number) {
  return runSendCli(['127.0.0.1', String(port), '--ca-dir', path.join(dir, 'ca.d'), '--cert', path.join(dir, `${client}.pem`), '--key', path.join(dir, `${client}.key`), '--count', String(count), '--json']);
}

test('syslog-ng 3.38 takes cert-made certificates for mutual TLS, and refuses a revoked client after a restart with crl-dir()', { timeout: 180_000, skip: skipUnlessPeers('syslog-ng') }, async (t) => {
  const tmp = tempDir('lf-cert-sng');
  t.after(() => tmp.remove());
  const dir = path.join(tmp.path, 'pki');
  certOk('init-ca', dir, '--cn', 'logferry test CA');
  certOk('issue', 'server', dir, '--cn', 'localhost', '--san', 'IP:127.0.0.1');
  certOk('issue', 'client', dir, '--cn', 'sender-1');
  certOk('issue', 'client', dir, '--cn', 'sender-2');

  let sng: DaemonHandle | undefined;
  t.after(async () => {
    await sng?.stop();
  });
  const out1 = path.join(tmp.path, 'first.log');
  const port1 = await freePort();
  sng = await startSyslogNg({ config: receiverConfig(port1, dir, out1, false), readyPorts: [port1] });
  const r = await send(port1, dir, 'sender-1', COUNT);
  assert.equal(r.code, 0, `sending failed: ${r.stderr}\n${sng.stderr()}`);
  assert.deepEqual([r.report!.sent, r.report!.acknowledged, r.report!.ok], [COUNT, COUNT, true]);
  await expectRunLines(out1, r.report!.run, COUNT);
  await sng.stop();
  sng = undefined;

  certOk('revoke', dir, path.join(dir, 'sender-1.pem'));
  const out2 = path.join(tmp.path, 'second.log');
  const port2 = await freePort();
  sng = await startSyslogNg({ config: receiverConfig(port2, dir, out2, true), readyPorts: [port2] });
  const refused = await send(port2, dir, 'sender-1', COUNT);
  assert.notEqual(refused.code, 0, 'the revoked client was not refused');
  assert.equal(refused.report!.ok, false);
  assert.match(refused.stderr, /certificate revoked/i, `refused for another reason: ${refused.stderr}`);
  // the client that was not revoked still gets through with crl-dir() on
  const ok = await send(port2, dir, 'sender-2', 1);
  assert.equal(ok.code, 0, `${ok.stderr}\n${sng.stderr()}`);
  await expectRunLines(out2, ok.report!.run, 1);
  const written = fs.readFileSync(out2, 'latin1');
  assert.ok(!written.includes(`${refused.report!.run}-`), 'nothing from the revoked client was written');
});
