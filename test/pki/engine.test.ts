/**
 * The PKI engine against OpenSSL's own reading of what it makes: subject
 * hashes equal `openssl x509 -subject_hash`, each kind carries the right
 * basicConstraints / keyUsage / EKU / SAN / SKI / AKI, serials are random and
 * positive, chains through an intermediate verify, RSA works too, keys are
 * private, and CRLs keep their entries while their number grows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initCa, issue, revoke } from '../../src/pki/store.ts';
import { crlState } from '../../src/pki/build-crl.ts';
import { parseCert } from '../../src/tls/x509/cert.ts';
import { pemBlocks } from '../../src/tls/x509/pem.ts';
import { skipUnlessPeers, tempDir } from '../helpers/peers.ts';
import { openssl } from '../cli/cert-helpers.ts';
import { DAY } from './helpers.ts';

const SKIP = skipUnlessPeers('openssl');

function certsIn(path: string): X509Certificate[] {
  return pemBlocks(readFileSync(path, 'latin1')).filter((b) => b.label === 'CERTIFICATE').map((b) => new X509Certificate(b.der));
}

function text(path: string): string {
  const r = openssl(['x509', '-noout', '-text', '-in', path]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('subject hashes equal openssl x509 -subject_hash, also for names OpenSSL canonicalises', { skip: SKIP }, (t) => {
  const tmp = tempDir('lf-pki-hash');
  t.after(() => tmp.remove());
  const names = ['logferry CA', '  Logs   Example  CA ', 'UPPER lower MiXeD', 'Ünïcødé CA ✓', 'a,b+c=d;"e"'];
  names.forEach((cn, i) => {
    const dir = join(tmp.path, String(i));
    initCa(dir, { cn });
    const ours = parseCert(certsIn(join(dir, 'ca.pem'))[0].raw).subjectHash;
    const theirs = openssl(['x509', '-noout', '-subject_hash', '-in', join(dir, 'ca.pem')]).stdout.trim();
    assert.equal(ours, theirs, cn);
    assert.deepEqual(readdirSync(join(dir, 'ca.d')).sort(), [`${theirs}.0`, 'ca.pem']);
  });
});

test('each kind has its profile: CA, intermediate (pathlen 0), server (serverAuth, CN as SAN), client (clientAuth)', { skip: SKIP }, (t) => {
  const tmp = tempDir('lf-pki-kinds');
  t.after(() => tmp.remove());
  const dir = tmp.path;
  initCa(dir, { cn: 'Kinds CA' });
  issue(dir, 'server', { cn: 'logs.example.com', san: [{ type: 'ip', value: '192.0.2.1' }, { type: 'dns', value: 'LOGS.example.com' }, { type: 'ip', value: '2001:db8::1' }] });
  issue(dir, 'client', { cn: 'sender-1' });
  issue(dir, 'intermediate', { cn: 'issuing-1' });

  const ca = text(join(dir, 'ca.pem'));
  assert.match(ca, /Basic Constraints: critical\s+CA:TRUE\n/);
  assert.match(ca, /Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
  assert.doesNotMatch(ca, /Extended Key Usage/);

  const inter = text(join(dir, 'issuing-1.pem'));
  assert.match(inter, /Basic Constraints: critical\s+CA:TRUE, pathlen:0\n/);

  const server = text(join(dir, 'logs.example.com.pem'));
  assert.match(server, /Basic Constraints: critical\s+CA:FALSE\n/);
  assert.match(server, /Key Usage: critical\s+Digital Signature\n/);
  assert.match(server, /Extended Key Usage: \s*TLS Web Server Authentication\n/);
  // the CN first, then the extra names, the differently cased duplicate of the CN left out
  assert.match(server, /Alternative Name: \s*DNS:logs\.example\.com, IP Address:192\.0\.2\.1, IP Address:2001:DB8:0:0:0:0:0:1\n/);

  const client = text(join(dir, 'sender-1.pem'));
  assert.match(client, /Extended Key Usage: \s*TLS Web Client Authentication\n/);
  assert.doesNotMatch(client, /Alternative Name/, 'a client gets no SAN unless asked');

  // SKI/AKI: each leaf's AKI is its issuer's SKI; serials positive, 16 bytes, different
  const ski = (s: string) => /Subject Key Identifier: \s*([0-9A-F:]+)/.exec(s)![1];
  const aki = (s: string) => /Authority Key Identifier: \s*(?:keyid:)?([0-9A-F:]+)/.exec(s)![1];
  for (const leaf of [server, client, inter]) assert.equal(aki(leaf), ski(ca));
  const serials = ['ca', 'logs.example.com', 'sender-1', 'issuing-1'].map((n) => certsIn(join(dir, `${n}.pem`))[0].serialNumber);
  assert.equal(new Set(serials).size, serials.length);
  for (const s of serials) {
    assert.equal(s.length, 32);
    assert.ok(parseInt(s.slice(0, 2), 16) < 0x80 && parseInt(s.slice(0, 2), 16) > 0, `positive, minimal serial ${s}`);
  }
  for (const f of ['ca.key', 'logs.example.com.key', 'sender-1.key', 'issuing-1.key']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  for (const n of ['logs.example.com', 'sender-1']) {
    const v = openssl(['verify', '-CApath', join(dir, 'ca.d'), '-purpose', n === 'sender-1' ? 'sslclient' : 'sslserver', join(dir, `${n}.pem`)]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  }
});

test('a leaf signed by an intermediate verifies with openssl, from ca.d and from the chain in its own file', { skip: SKIP }, (t) => {
  const tmp = tempDir('lf-pki-chain');
  t.after(() => tmp.remove());
  const dir = tmp.path;
  initCa(dir, { cn: 'Root CA' });
  issue(dir, 'intermediate', { cn: 'issuing-1' });
  issue(dir, 'server', { cn: 'localhost', issuer: 'issuing-1' });
  const leafFile = join(dir, 'localhost.pem');
  const chain = certsIn(leafFile);
  assert.equal(chain.length, 2, 'the leaf file carries the intermediate after the leaf');
  assert.equal(chain[1].subject, 'CN=issuing-1');
  const viaDir = openssl(['verify', '-CApath', join(dir, 'ca.d'), '-purpose', 'sslserver', leafFile]);
  assert.equal(viaDir.code, 0, viaDir.stdout + viaDir.stderr);
  // the chain itself, with only the root trusted and the intermediate from the leaf's file
  const viaFile = openssl(['verify', '-CAfile', join(dir, 'ca.pem'), '-untrusted', leafFile, leafFile]);
  assert.equal(viaFile.code, 0, viaFile.stdout + viaFile.stderr);
  // a leaf's validity never outlives its issuer
  const longLeaf = issue(dir, 'client', { cn: 'long', issuer: 'issuing-1', days: 36500 });
  assert.ok(longLeaf.notAfter <= chain[1].validToDate);
});

test('RSA keys (3072 bits) make a CA and leaves that openssl verifies', { skip: SKIP }, (t) => {
  const tmp = tempDir('lf-pki-rsa');
  t.after(() => tmp.remove());
  const dir = tmp.path;
  initCa(dir, { key: 'rsa' });
  issue(dir, 'client', { cn: 'rsa-client', key: 'rsa' });
  const client = text(join(dir, 'rsa-client.pem'));
  assert.match(client, /Public-Key: \(3072 bit\)/);
  assert.match(client, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.match(client, /Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
  const v = openssl(['verify', '-CApath', join(dir, 'ca.d'), '-purpose', 'sslclient', join(dir, 'rsa-client.pem')]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

test('revoke keeps earlier entries, the CRL number grows, next update is --days ahead, and openssl verifies the CRL', { skip: SKIP }, (t) => {
  const tmp = tempDir('lf-pki-crl');
  t.after(() => tmp.remove());
  const dir = tmp.path;
  initCa(dir);
  issue(dir, 'client', { cn: 'one' });
  issue(dir, 'client', { cn: 'two' });
  const now = new Date();
  const r1 = revoke(dir, join(dir, 'one.pem'), { now });
  const r2 = revoke(dir, join(dir, 'two.pem'), { now, days: 7 });
  const again = revoke(dir, join(dir, 'two.pem'), { now });
  assert.deepEqual([r1.number, r2.number, again.number], [1n, 2n, 3n]);
  assert.deepEqual([r1.added, r2.added, again.added], [true, true, false]);
  const state = crlState(pemBlocks(readFileSync(join(dir, 'crl.pem'), 'latin1'))[0].der);
  assert.equal(state.entries.length, 2, 'both revocations are listed once');
  assert.equal(state.nextUpdate!.getTime(), Math.floor((now.getTime() + 30 * DAY) / 1000) * 1000);
  const v = openssl(['crl', '-noout', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem')]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stderr + v.stdout, /verify OK/);
  const hash = openssl(['x509', '-noout', '-subject_hash', '-in', join(dir, 'ca.pem')]).stdout.trim();
  assert.equal(readFileSync(join(dir, 'ca.d', `${hash}.r0`), 'latin1'), readFileSync(join(dir, 'crl.pem'), 'latin1'), 'ca.d/<hash>.r0 is the CRL');
  const listed = openssl(['crl', '-noout', '-text', '-in', join(dir, 'ca.d', `${hash}.r0`)]).stdout;
  for (const n of ['one', 'two']) assert.ok(listed.includes(certsIn(join(dir, `${n}.pem`))[0].serialNumber.toUpperCase()), n);
});
