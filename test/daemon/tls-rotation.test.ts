/**
 * Certificate rotation without a signal or a restart, as Kubernetes does it: the
 * server's key and certificate are symlinks through `..data`, itself a symlink that
 * is atomically renamed to a new timestamped directory. A client streams through
 * both swaps on one connection; a probe sees each new certificate within 5 s; a
 * corrupt replacement is refused in one line while the last good certificate keeps
 * being served; revoking a connected client (its CRL in crl-dir()) disconnects it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { startLogferry } from '../helpers/daemon.ts';
import { sngString, tempDir, watchUntil } from '../helpers/peers.ts';
import { freePort } from '../helpers/ports.ts';
import { certOk, openssl } from '../cli/cert-helpers.ts';
import { expectRunLines, runSendCli, SENDER_TEMPLATE } from '../send/lib.ts';

/** A secret volume as the kubelet writes it: names → ..data/name, ..data → ..<stamp>/ */
class SecretVolume {
  private n = 0;
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
  }

  /** writes the files into a new timestamped directory and swaps ..data to it in one rename */
  swap(files: Record<string, Buffer | string>): void {
    const stamp = `..2026_11_26_00_00_0${++this.n}.${process.pid}`;
    const next = path.join(this.dir, stamp);
    fs.mkdirSync(next);
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(next, name), content);
    const old = fs.existsSync(path.join(this.dir, '..data')) ? fs.readlinkSync(path.join(this.dir, '..data')) : undefined;
    fs.symlinkSync(stamp, path.join(this.dir, '..data_tmp'));
    fs.renameSync(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'));
    for (const name of Object.keys(files)) {
      const link = path.join(this.dir, name);
      if (!fs.existsSync(link)) fs.symlinkSync(path.join('..data', name), link);
    }
    if (old) fs.rmSync(path.join(this.dir, old), { recursive: true, force: true });
  }
}

/** The serial of the certificate the server presents to a fresh handshake. */
function probeSerial(port: number, client: { cert: string; key: string; ca: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ...client, rejectUnauthorized: false, checkServerIdentity: () => undefined }, () => {
      const serial = sock.getPeerCertificate().serialNumber;
      sock.end();
      resolve(serial);
    });
    sock.setTimeout(3000, () => sock.destroy(new Error('probe timed out')));
    sock.on('error', reject);
  });
}

/** Probes until the server presents `serial`; how long that took (rejects after `withinMs`). */
async function seenWithin(port: number, client: { cert: string; key: string; ca: string }, serial: string, withinMs: number): Promise<number> {
  const t0 = Date.now();
  let last = '';
  for (let i = 0; i < 200 && Date.now() - t0 < withinMs; i++) {
    last = await probeSerial(port, client);
    if (last === serial) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server still presents serial ${last}, not ${serial}, ${withinMs} ms after the swap`);
}

/** The serial `openssl s_client` is shown by the server, as an operator would check it. */
function sClientSerial(port: number, pki: string, cn: string): string {
  const r = openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-cert', path.join(pki, `${cn}.pem`), '-key', path.join(pki, `${cn}.key`), '-CAfile', path.join(pki, 'ca.pem')]);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(r.stdout);
  assert.ok(pem, `openssl s_client printed no certificate:\n${r.stdout}${r.stderr}`);
  return new X509Certificate(pem[0]).serialNumber;
}

const serialOf = (pem: string) => new X509Certificate(fs.readFileSync(pem)).serialNumber;

function count(text: string, re: RegExp): number {
  return text.split('\n').filter((l) => re.test(l)).length;
}

test('..data swaps of the server certificate: new handshakes get each new one within 5 s, the streaming connection stays and loses nothing; a corrupt one is refused once; a revoked client is disconnected', async (t) => {
  const dir = tempDir('lf-rotation');
  t.after(() => dir.remove());
  const pki = path.join(dir.path, 'pki');
  certOk('init-ca', pki);
  for (const cn of ['srv-1', 'srv-2', 'srv-3']) certOk('issue', 'server', pki, '--cn', cn, '--san', 'IP:127.0.0.1');
  for (const cn of ['client-a', 'client-b']) certOk('issue', 'client', pki, '--cn', cn);
  // an empty CRL from the start, so the revocation later is a CRL change, not a new kind of file
  certOk('revoke', pki);
  const caDir = path.join(pki, 'ca.d');
  // a file no <hash>.N link reaches, so ca-dir() has a note to give (when it is given is checked at the end)
  fs.copyFileSync(path.join(pki, 'ca.pem'), path.join(caDir, 'stray.pem'));
  const secret = new SecretVolume(path.join(dir.path, 'secret'));
  const material = (cn: string) => ({ 'tls.crt': fs.readFileSync(path.join(pki, `${cn}.pem`)), 'tls.key': fs.readFileSync(path.join(pki, `${cn}.key`)) });
  secret.swap(material('srv-1'));

  const port = await freePort();
  const out = path.join(dir.path, 'out.log');
  const d = await startLogferry({
    config: `@version: 4.27
options { use-dns(no); };
source s { syslog(ip("127.0.0.1") port(${port}) transport(tls) max-connections(20)
  tls(key-file("${secret.dir}/tls.key") cert-file("${secret.dir}/tls.crt") ca-dir("${caDir}") crl-dir("${caDir}") peer-verify(required-trusted))); };
destination f { file(${sngString(out)} template(${sngString(SENDER_TEMPLATE)})); };
log { source(s); destination(f); };
`,
    readyPorts: [port],
    // the safety-net poll, short so the test does not wait 30 s for it; fs.watch is what should see the swaps
    env: { LOGFERRY_TLS_POLL_MS: '500' },
  });
  t.after(() => d.stop());
  const client = (cn: string) => ({ cert: fs.readFileSync(path.join(pki, `${cn}.pem`), 'utf8'), key: fs.readFileSync(path.join(pki, `${cn}.key`), 'utf8'), ca: fs.readFileSync(path.join(pki, 'ca.pem'), 'utf8') });
  const probe = client('client-a');
  assert.equal(await probeSerial(port, probe), serialOf(path.join(pki, 'srv-1.pem')));

  // a sender that never reconnects: one connection, the whole time
  const sending = runSendCli(['127.0.0.1', String(port), '--duration', '9', '--rate', '400', '--ca-file', path.join(pki, 'ca.pem'), '--cert', path.join(pki, 'client-a.pem'), '--key', path.join(pki, 'client-a.key'), '--json'], undefined, 30_000);

  const took: number[] = [];
  for (const cn of ['srv-2', 'srv-3']) {
    secret.swap(material(cn));
    took.push(await seenWithin(port, probe, serialOf(path.join(pki, `${cn}.pem`)), 5000));
  }
  assert.equal(sClientSerial(port, pki, 'client-a'), serialOf(path.join(pki, 'srv-3.pem')), 'openssl s_client sees the second new certificate');
  assert.equal(count(d.stderr(), /TLS files of a tls\(\) block changed; new handshakes use them/), 2, d.stderr());
  assert.match(d.stderr(), /changed='certificate'.*subject='CN=srv-3'.*serial='[0-9A-F]+'.*not_after='\d{4}-/);

  // a corrupt replacement: refused with one line, srv-3 keeps being served (probed across several polls)
  secret.swap({ 'tls.crt': '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n', 'tls.key': material('srv-3')['tls.key'] });
  await d.process.waitForStderr(/not usable; the last good ones stay in use/, 5000);
  const serial3 = serialOf(path.join(pki, 'srv-3.pem'));
  const until = Date.now() + 2000;
  for (let i = 0; i < 20 && Date.now() < until; i++) {
    assert.equal(await probeSerial(port, probe), serial3, 'the last good certificate is still served');
    await new Promise((r) => setTimeout(r, 100));
  }
  const refused = d.stderr().split('\n').filter((l) => /not usable; the last good ones stay in use/.test(l));
  assert.equal(refused.length, 1, `one refusal line, not one per poll:\n${refused.join('\n')}`);
  assert.match(refused[0], /location='[^']*daemon\.conf:\d+:\d+'/);
  assert.match(refused[0], /error='cert-file\(\) [^']*tls\.crt: certificate #1 cannot be parsed/);

  const r = await sending;
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const rep = r.report!;
  assert.equal(rep.connections.length, 1);
  assert.equal(rep.connections[0].closedCleanly, true, 'the one connection was never broken');
  assert.equal(rep.acknowledged, rep.sent);
  assert.ok(rep.sent > 1000, `${rep.sent} sent`);
  await expectRunLines(out, rep.run, rep.sent, 15_000);
  t.diagnostic(`new certificate seen ${took.join(' ms, ')} ms after the swaps; ${rep.sent} messages on one connection, none lost`);

  // good files again: after a refusal, the next good replacement is taken
  secret.swap(material('srv-1'));
  await seenWithin(port, probe, serialOf(path.join(pki, 'srv-1.pem')), 5000);

  // revoking a connected client: the CRL in crl-dir() changes, the client is disconnected with one line
  const revoked = runSendCli(['127.0.0.1', String(port), '--duration', '20', '--rate', '100', '--ca-file', path.join(pki, 'ca.pem'), '--cert', path.join(pki, 'client-b.pem'), '--key', path.join(pki, 'client-b.key'), '--json'], undefined, 30_000);
  // the sender is connected once its first message arrived
  const before = Date.now();
  const size0 = fs.statSync(out).size;
  await watchUntil(out, async () => (fs.statSync(out).size > size0 ? true : undefined), 10_000, async () => `no message from client-b within 10 s; daemon stderr:\n${d.stderr()}`);
  certOk('revoke', pki, path.join(pki, 'client-b.pem'));
  await d.process.waitForStderr(/TLS peer disconnected: the new CA or CRL files no longer accept its certificate/, 5000);
  const gone = d.stderr().split('\n').filter((l) => /TLS peer disconnected/.test(l));
  assert.equal(gone.length, 1, gone.join('\n'));
  assert.match(gone[0], /peer='AF_INET\(127\.0\.0\.1:\d+\)'.*subject='CN=client-b'.*reason='revoked'/);
  const rb = await revoked;
  assert.notEqual(rb.code, 0, 'the revoked sender lost its connection');
  assert.ok(Date.now() - before < 15_000, 'it did not run to its end');
  // client-a (not revoked) still gets in
  assert.equal(await probeSerial(port, probe), serialOf(path.join(pki, 'srv-1.pem')));
  assert.equal(count(d.stderr(), /File in ca-dir\(\) is not used; .*file='stray.pem'/), 2, 'the ca-dir() note: at start, and when the CRL changed, not on every certificate swap');
});
