/**
 * A relay (logferry) forwards over TLS with max-connection-lifetime(1) to a receiver
 * (logferry) that records each message's client-certificate CN. While a sender
 * streams to the relay: the relay's connection is renewed about every second and no
 * message is lost or doubled; after the relay's client certificate is swapped on disk
 * (no signal), its next connection presents the new certificate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startLogferry } from '../helpers/daemon.ts';
import { sngString, tempDir, watchUntil } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { certOk } from '../cli/cert-helpers.ts';
import { expectRunLines, runSendCli, SENDER_TEMPLATE } from '../send/lib.ts';

test('max-connection-lifetime(): the connection is renewed without losing a message, and the renewed one presents the rotated client certificate', async (t) => {
  const dir = tempDir('lf-lifetime');
  t.after(() => dir.remove());
  const pki = path.join(dir.path, 'pki');
  certOk('init-ca', pki);
  certOk('issue', 'server', pki, '--cn', 'receiver', '--san', 'IP:127.0.0.1');
  for (const cn of ['relay-old', 'relay-new']) certOk('issue', 'client', pki, '--cn', cn);
  const certFile = path.join(dir.path, 'relay.crt');
  const keyFile = path.join(dir.path, 'relay.key');
  fs.copyFileSync(path.join(pki, 'relay-old.pem'), certFile);
  fs.copyFileSync(path.join(pki, 'relay-old.key'), keyFile);

  const rxPort = await freePort();
  const out = path.join(dir.path, 'out.log');
  const cns = path.join(dir.path, 'cn.log');
  const rx = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); };
source s { syslog(ip("127.0.0.1") port(${rxPort}) transport(tls)
  tls(key-file("${pki}/receiver.key") cert-file("${pki}/receiver.pem") ca-dir("${pki}/ca.d") peer-verify(required-trusted))); };
destination f { file(${sngString(out)} template(${sngString(SENDER_TEMPLATE)})); };
destination c { file(${sngString(cns)} template("\${.tls.x509_cn}\\n")); };
log { source(s); destination(f); destination(c); };
`,
    readyPorts: [rxPort],
    verbose: true,
  });
  t.after(() => rx.stop());

  const relayPort = await freePort();
  const relay = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); };
source s { syslog(ip("127.0.0.1") port(${relayPort}) transport(tcp)); };
destination d { syslog("127.0.0.1" port(${rxPort}) transport(tls) max-connection-lifetime(1)
  tls(key-file("${keyFile}") cert-file("${certFile}") ca-file("${pki}/ca.pem"))); };
log { source(s); destination(d); };
`,
    readyPorts: [relayPort],
  });
  t.after(() => relay.stop());

  const sending = runSendCli(['127.0.0.1', String(relayPort), '--transport', 'tcp', '--duration', '6', '--rate', '500', '--json'], undefined, 30_000);
  // the first renewals happen with the old certificate
  await watchUntil(cns, async () => (fs.existsSync(cns) && fs.readFileSync(cns, 'utf8').includes('relay-old') ? true : undefined), 10_000, async () => `no message from relay-old; receiver:\n${rx.stderr()}`);
  // rotate the relay's client certificate in place: key first, then the certificate (the debounce joins them)
  fs.writeFileSync(keyFile + '.tmp', fs.readFileSync(path.join(pki, 'relay-new.key')));
  fs.renameSync(keyFile + '.tmp', keyFile);
  fs.writeFileSync(certFile + '.tmp', fs.readFileSync(path.join(pki, 'relay-new.pem')));
  fs.renameSync(certFile + '.tmp', certFile);
  await relay.process.waitForStderr(/TLS files of a tls\(\) block changed.*subject='CN=relay-new'/, 5000);

  const r = await sending;
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const rep = r.report!;
  // every message exactly once at the receiver, across all renewals
  await expectRunLines(out, rep.run, rep.sent, 15_000);

  const seen = fs.readFileSync(cns, 'utf8').split('\n').filter(Boolean);
  const firstNew = seen.indexOf('relay-new');
  assert.ok(firstNew > 0, 'messages came with the new client certificate');
  assert.ok(seen.slice(firstNew).every((cn) => cn === 'relay-new'), 'once renewed, the relay never presents the old certificate again');
  const renewals = relay.stderr().split('\n').filter((l) => /reached max-connection-lifetime\(\); closing it cleanly and reconnecting/.test(l)).length;
  const accepted = rx.stderr().split('\n').filter((l) => /Syslog connection accepted/.test(l)).length;
  assert.ok(renewals >= 3, `${renewals} renewals in about 6 s with a 1 s lifetime`);
  assert.ok(accepted >= renewals, `the receiver accepted ${accepted} connections`);
  assert.doesNotMatch(relay.stderr(), /Syslog connection broken|I\/O error/);
  assert.doesNotMatch(relay.stderr(), /not usable/, 'the key and the certificate written one after the other were taken together');
  t.diagnostic(`${rep.sent} messages over ${accepted} connections (${renewals} lifetime renewals), none lost or doubled`);
});
