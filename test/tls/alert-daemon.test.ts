/**
 * End to end: `openssl s_client` refused by a running logferry TLS source learns
 * why from a TLS 1.3 alert (as it would from syslog-ng), instead of "unexpected eof".
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import * as path from 'node:path';
import { makePki, skipUnlessPeers, tempDir, waitForLines, type Pki } from '../helpers/peers.ts';
import { startLogferry, type DaemonHandle } from '../helpers/daemon.ts';
import { freePort } from '../helpers/ports.ts';

/** One s_client connection; stdin stays open until the server ends it, so only the server's verdict ends it. */
async function sClient(t: TestContext, port: number, pki: Pki, cert: string, extra: string[] = []): Promise<string> {
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.caFile, '-cert', path.join(pki.dir, `${cert}.pem`), '-key', path.join(pki.dir, `${cert}.key`), ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGTERM'), 15_000);
  await once(child, 'exit');
  clearTimeout(timer);
  return out;
}

test('s_client with a certificate from an unknown CA gets alert unknown_ca from the daemon (TLS 1.3); a good one is still served', { timeout: 90_000, skip: skipUnlessPeers('openssl') }, async (t) => {
  const dir = tempDir('lf-alert');
  t.after(() => dir.remove());
  const pki = await makePki(path.join(dir.path, 'pki'));
  const port = await freePort();
  const out = path.join(dir.path, 'out.log');
  // crl-dir() wants the CRL under its issuer's hashed name
  const crlDir = path.join(dir.path, 'crl.d');
  mkdirSync(crlDir);
  const hash = execFileSync('openssl', ['crl', '-hash', '-noout', '-in', path.join(pki.dir, 'crl.pem')], { encoding: 'utf8' }).trim();
  copyFileSync(path.join(pki.dir, 'crl.pem'), path.join(crlDir, `${hash}.r0`));
  const d: DaemonHandle = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); };
source s { network(ip(127.0.0.1) port(${port}) transport(tls) tls(key-file("${pki.serverKey}") cert-file("${pki.serverCert}") ca-file("${pki.caFile}") crl-dir("${crlDir}") peer-verify(required-trusted))); };
destination d { file("${out}" template("\${MSG}\\n")); };
log { source(s); destination(d); };
`,
    readyPorts: [port],
  });
  t.after(() => d.stop());

  const rogue = await sClient(t, port, pki, 'rogue', ['-tls1_3']);
  assert.match(rogue, /tlsv1 alert unknown ca/, rogue);
  assert.match(rogue, /SSL alert number 48/);
  assert.doesNotMatch(rogue, /unexpected eof/);

  const expired = await sClient(t, port, pki, 'expired', ['-tls1_3']);
  assert.match(expired, /SSL alert number 45/, expired);

  const revoked = await sClient(t, port, pki, 'revoked', ['-tls1_3']);
  assert.match(revoked, /SSL alert number 44/, revoked);

  // over TLS 1.2 there is no way to send it (README): the connection just closes
  const v12 = await sClient(t, port, pki, 'rogue', ['-tls1_2']);
  assert.doesNotMatch(v12, /SSL alert number/, v12);

  // the rejections left the listener serving others
  const good = spawn('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.caFile, '-cert', pki.client1Cert, '-key', pki.client1Key], { stdio: ['pipe', 'ignore', 'ignore'] });
  t.after(() => {
    if (good.exitCode === null && good.pid) process.kill(good.pid, 'SIGTERM');
  });
  good.stdin.end('<13>Nov 26 07:00:00 h app: still-served\n');
  const lines = await waitForLines(out, 1, 15_000);
  assert.deepEqual(lines, ['still-served']);
});
