import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchHostname, verifyCertificateName } from '../../src/tls/hostname.ts';
import { parseCert } from '../../src/tls/x509/cert.ts';
import { readFileSync } from 'node:fs';
import { opensslCert, pki, tempDir } from './helpers.ts';

// [host, pattern, expected] — syslog-ng's tls_wildcard_match table plus spec §4.8 cases
const TABLE: Array<[string, string, boolean]> = [
  ['test', 'test', true],
  ['test', '*', true],
  ['test', 't*t', true],
  ['test', 't*', true],
  ['', '', true],
  ['test.one', 'test.one', true],
  ['test.one.two', 'test.one.two', true],
  ['192.0.2.0', '192.0.2.0', true],
  ['2001:0000:130F:0000:0000:09C0:876A:130B', '2001:0:130F:0:0:9C0:876A:130B', true],
  ['2001:0:130F:0:0:9C0:876A:130B', '2001:0000:130F:0000:0000:09C0:876A:130B', true],
  ['2001:0000:130F::09C0:876A:130B', '2001:0000:130F:0000:0000:09C0:876A:130B', true],
  ['2001:0000:130F:0000:0000:09C0:876A:130B', '2001:0:130F::9C0:876A:130B', true],
  ['test', '**', false],
  ['test', '*es*', false],
  ['test', 't*?', false],
  ['test', 'tset', false],
  ['test', 'set', false],
  ['', '*', false],
  ['test', '', false],
  ['test.two', 'test.one', false],
  ['test.two', 'test.*', false],
  ['test.two', 'test.t*o', false],
  ['test', 'test.two', false],
  ['test.two', 'test', false],
  ['test.one.two', 'test.one', false],
  ['test.three', 'three.test', false],
  ['test.one.two', 'test.one.*', false],
  ['test.two', 'test.???', false],
  ['test.one.two', 'test.one.?wo', false],
  ['192.0.2.0', '*.0.2.0', false],
  ['2001:0:130F::9C0:876A:130B', '*:0000:130F:0000:0000:09C0:876A:130B', false],
  ['test', 'TEST', true],
  ['TeST', 'TEst', true],
  ['test.three', '*T.three', true],
  ['2001:0000:130F:0000:0000:09C0:876A:130B', '2001:0000:130f:0000:0000:09c0:876a:130b', true],
  ['a.example.com', '*.example.com', true],
  ['example.com', '*.example.com', false],
  ['a.b.example.com', '*.example.com', false],
  ['192.0.2.1', 'logsrv.test', false],
];

test('matchHostname follows syslog-ng wildcard rules', () => {
  for (const [host, pattern, want] of TABLE) {
    assert.equal(matchHostname(host, pattern), want, `host '${host}' pattern '${pattern}'`);
  }
});

test('SAN entries are tried in order; CN only without SAN', (t) => {
  const P = pki();
  const server = parseCert(readFileSync(`${P}/server.pem`));
  assert.equal(verifyCertificateName(server, 'localhost').ok, true);
  assert.equal(verifyCertificateName(server, '127.0.0.1').ok, true);
  assert.equal(verifyCertificateName(server, '::1').ok, true);
  const miss = verifyCertificateName(server, 'logsrv.test');
  assert.equal(miss.ok, false);
  assert.deepEqual(miss.candidates, ['localhost', '127.0.0.1', '::1']);
  assert.equal(miss.lastPattern, '::1');

  const dir = tempDir(t);
  const cnOnly = parseCert(readFileSync(opensslCert(dir, 'cnonly', '/CN=*.logs.test')));
  assert.equal(verifyCertificateName(cnOnly, 'a.logs.test').ok, true);
  assert.equal(verifyCertificateName(cnOnly, 'logs.test').ok, false);
  // a SAN without DNS/IP entries still falls back to the CN; with a DNS SAN the CN is ignored
  const emailSan = parseCert(readFileSync(opensslCert(dir, 'emailsan', '/CN=host.test', { ext: ['subjectAltName=email:a@b.test'] })));
  assert.equal(verifyCertificateName(emailSan, 'host.test').ok, true);
  const dnsSan = parseCert(readFileSync(opensslCert(dir, 'dnssan', '/CN=host.test', { ext: ['subjectAltName=DNS:other.test'] })));
  const r = verifyCertificateName(dnsSan, 'host.test');
  assert.equal(r.ok, false);
  assert.equal(r.lastPattern, 'other.test');
});
