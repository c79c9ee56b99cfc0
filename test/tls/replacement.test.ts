/**
 * What a rotation checks before using new files (tls/replacement.ts), and the
 * re-check of live peers after a CA change (endpoint recheckPeers): a peer whose
 * CA is no longer trusted is disconnected with one line; one still trusted stays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { setInternalSinks, type InternalEvent } from '../../src/core/internal-log.ts';
import { createTlsEndpoint, loadTlsBlock } from '../../src/tls/endpoint.ts';
import { loadReplacement, loadTrustReplacement } from '../../src/tls/replacement.ts';
import type { TlsSession } from '../../src/tls/types.ts';
import { certOk } from '../cli/cert-helpers.ts';
import { tempDir } from '../helpers/peers.ts';

function pkis(t: { after(fn: () => void): void }) {
  const dir = tempDir('lf-replacement');
  t.after(() => dir.remove());
  const a = path.join(dir.path, 'a');
  const b = path.join(dir.path, 'b');
  certOk('init-ca', a, '--cn', 'CA A');
  certOk('init-ca', b, '--cn', 'CA B');
  certOk('issue', 'server', a, '--cn', 'srv', '--san', 'IP:127.0.0.1');
  certOk('issue', 'server', a, '--cn', 'other', '--san', 'IP:127.0.0.1');
  certOk('issue', 'client', a, '--cn', 'client-a');
  certOk('issue', 'client', b, '--cn', 'client-b');
  // a CA file that trusts both, then one that trusts only B
  const both = path.join(dir.path, 'both.pem');
  fs.writeFileSync(both, Buffer.concat([fs.readFileSync(path.join(a, 'ca.pem')), fs.readFileSync(path.join(b, 'ca.pem'))]));
  return { dir: dir.path, a, b, both };
}

test('a replacement is refused when the key does not match, when the certificate expired or is not valid yet; a good one says what changed', (t) => {
  const { a, both } = pkis(t);
  const opts = { certFile: path.join(a, 'srv.pem'), keyFile: path.join(a, 'srv.key'), caFile: both };
  const prev = loadTlsBlock('server', opts);
  const same = loadReplacement('server', opts, undefined, prev);
  assert.deepEqual(same.changed, []);
  assert.equal(same.own?.subjectDn, 'CN=srv');
  const other = loadReplacement('server', { ...opts, certFile: path.join(a, 'other.pem'), keyFile: path.join(a, 'other.key'), caFile: path.join(a, 'ca.pem') }, undefined, prev);
  assert.deepEqual(other.changed, ['certificate', 'ca']);
  assert.throws(() => loadReplacement('server', { ...opts, keyFile: path.join(a, 'other.key') }, undefined, prev), /key-file\(\) .*other\.key does not match cert-file\(\)/);
  const notAfter = same.own!.notAfter;
  assert.throws(() => loadReplacement('server', opts, undefined, prev, new Date(notAfter.getTime() + 1000)), /cert-file\(\) .*srv\.pem: the new certificate \(serial [0-9A-F]+\) expired on \d{4}-\d\d-\d\d .* UTC; put a current certificate/);
  assert.throws(() => loadReplacement('server', opts, undefined, prev, new Date(same.own!.notBefore.getTime() - 86_400_000)), /is not valid before .*; check this host's clock/);
});

test('after a CA change, a connected peer the new CA file no longer trusts is disconnected with one line; a trusted one stays', async (t) => {
  const { a, b, both } = pkis(t);
  const lines: InternalEvent[] = [];
  setInternalSinks([(ev) => lines.push(ev)]);
  t.after(() => setInternalSinks([]));
  const opts = { certFile: path.join(a, 'srv.pem'), keyFile: path.join(a, 'srv.key'), caFile: both, peerVerify: 'required-trusted' as const };
  const ep = createTlsEndpoint('server', opts);
  const sessions: TlsSession[] = [];
  let bothIn!: () => void;
  const inside = new Promise<void>((r) => (bothIn = r));
  const server = net.createServer((raw) => {
    raw.on('error', () => {});
    void ep.accept(raw, { address: '127.0.0.1', port: raw.remotePort!, family: 'IPv4' }).then((s) => void (sessions.push(s) === 2 && bothIn()), () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const connect = (pki: string, cn: string) =>
    new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, cert: fs.readFileSync(path.join(pki, `${cn}.pem`)), key: fs.readFileSync(path.join(pki, `${cn}.key`)), ca: fs.readFileSync(path.join(a, 'ca.pem')) }, () => resolve(s));
      s.on('error', reject);
    });
  const ca = await connect(a, 'client-a');
  const cb = await connect(b, 'client-b');
  t.after(() => {
    ca.destroy();
    cb.destroy();
  });
  await inside;
  assert.equal(sessions.length, 2, 'both clients are in');

  // the same CA files: nobody is judged differently
  ep.useMaterial(loadTlsBlock('server', opts));
  assert.equal(ep.recheckPeers(), 0);
  // CA A is no longer trusted
  ep.useMaterial(loadTlsBlock('server', { ...opts, caFile: path.join(b, 'ca.pem') }));
  const bClosed = new Promise((r) => cb.once('close', r));
  const aClosed = new Promise<void>((r) => ca.once('close', () => r()));
  assert.equal(ep.recheckPeers(), 1);
  await aClosed;
  const gone = lines.filter((l) => /no longer accept its certificate/.test(l.text));
  assert.equal(gone.length, 1);
  assert.equal(gone[0].tags.subject, 'CN=client-a');
  assert.equal(gone[0].tags.reason, 'unknown_ca');
  assert.match(String(gone[0].tags.peer), /^AF_INET\(127\.0\.0\.1:\d+\)$/);
  assert.equal(cb.destroyed, false, 'client-b, whose CA is still trusted, stays connected');
  assert.equal(ep.recheckPeers(), 0, 'a peer is judged once: the one gone is no longer tracked');
  cb.destroy();
  await bClosed;
});

test('a broken certificate does not hold back a new CRL: the trust files alone are taken, with the last good key pair', (t) => {
  const { dir, a } = pkis(t);
  certOk('revoke', a);
  const cert = path.join(dir, 'srv.pem');
  fs.copyFileSync(path.join(a, 'srv.pem'), cert);
  const opts = { certFile: cert, keyFile: path.join(a, 'srv.key'), caDir: path.join(a, 'ca.d'), crlDir: path.join(a, 'ca.d') };
  const prev = loadTlsBlock('server', opts);
  assert.equal(loadTrustReplacement('server', opts, undefined, prev), undefined, 'nothing changed');
  fs.writeFileSync(cert, 'garbage');
  certOk('revoke', a, path.join(a, 'client-a.pem'));
  assert.throws(() => loadReplacement('server', opts, undefined, prev), /cert-file\(\)/);
  const trust = loadTrustReplacement('server', opts, undefined, prev)!;
  assert.deepEqual(trust.changed, ['crl']);
  assert.equal(trust.snapshot.certPem, prev.certPem);
  assert.equal(trust.snapshot.keyPem, prev.keyPem);
  assert.equal(trust.own?.subjectDn, 'CN=srv');
  assert.equal(loadTrustReplacement('server', { ...opts, caDir: undefined, crlDir: undefined, caFile: undefined }, undefined, prev), undefined, 'no trust files: nothing to take');
});

test('a destination is judged the same way: after its CA file stops trusting the server, the connection is dropped with one line', async (t) => {
  const { a, b, both } = pkis(t);
  const lines: InternalEvent[] = [];
  setInternalSinks([(ev) => lines.push(ev)]);
  t.after(() => setInternalSinks([]));
  const server = tls.createServer({ cert: fs.readFileSync(path.join(a, 'srv.pem')), key: fs.readFileSync(path.join(a, 'srv.key')) }, (s) => s.on('error', () => {}));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const opts = { caFile: both, peerVerify: 'required-trusted' as const };
  const ep = createTlsEndpoint('client', opts);
  const raw = net.connect(port, '127.0.0.1');
  await new Promise((r) => raw.once('connect', r));
  const session = await ep.connect(raw, '127.0.0.1', { address: '127.0.0.1', port, family: 'IPv4' });
  const closed = new Promise((r) => session.socket.once('close', r));
  ep.useMaterial(loadTlsBlock('client', opts));
  assert.equal(ep.recheckPeers(), 0, 'still trusted, and the host name still matches');
  ep.useMaterial(loadTlsBlock('client', { ...opts, caFile: path.join(b, 'ca.pem') }));
  assert.equal(ep.recheckPeers(), 1);
  await closed;
  const gone = lines.filter((l) => /no longer accept its certificate/.test(l.text));
  assert.equal(gone.length, 1);
  assert.equal(gone[0].tags.subject, 'CN=srv');
  assert.equal(gone[0].tags.reason, 'unknown_ca');
});
